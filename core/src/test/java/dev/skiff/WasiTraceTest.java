package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testsupport.Fixtures;
import dev.skiff.wasi.Access;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runner.wasiListener: each observed WASI call, decoded, on the guest's thread. */
class WasiTraceTest {
  @TempDir static Path store;
  static Skiff skiff;

  @BeforeAll
  static void open() {
    skiff = Skiff.builder().store(store).build();
  }

  @AfterAll
  static void close() {
    skiff.close();
  }

  @Test
  void pathsDescriptorsFlagsAndResultsAreDecoded(@TempDir Path data) throws Exception {
    Files.write(data.resolve("in.bin"), new byte[100]);
    List<WasiCall> calls = new ArrayList<>();
    Set<String> asked = new ConcurrentSkipListSet<>();
    WasiCallListener listener = WasiCallListener.of(name -> {
      asked.add(name);
      return name.startsWith("path_") || name.equals("fd_read") || name.equals("fd_close");
    }, calls::add);
    try (WasmInstance instance = skiff.pull(Fixtures.wasm("bench/wasi_io.wasm").toString()).runner()
        .preopen("/data", data, Access.READ_ONLY)
        .wasiListener(listener)
        .instantiate()) {
      int buffer = (int) instance.function("path_buffer").callRaw()[0];
      instance.writeBytes(buffer, "/data/in.bin\0".getBytes(StandardCharsets.US_ASCII));
      assertEquals(100, instance.function("read_file").callRaw(buffer)[0]);
      instance.writeBytes(buffer, "/data/missing\0".getBytes(StandardCharsets.US_ASCII));
      assertEquals(-1, instance.function("read_file").callRaw(buffer)[0]);
    }
    assertTrue(asked.contains("fd_write") && asked.contains("proc_exit"), "every function was offered: " + asked);
    assertEquals(List.of("path_open", "fd_read", "fd_read", "fd_close", "path_open"),
        calls.stream().map(WasiCall::function).toList());
    WasiCall open = calls.get(0);
    assertEquals("fd=3", open.arguments().get(0));
    assertEquals("dirflags=SYMLINK_FOLLOW", open.arguments().get(1));
    assertEquals("path=\"in.bin\"", open.arguments().get(2));
    assertEquals("oflags=0", open.arguments().get(3));
    assertEquals(0, open.errno());
    assertTrue(open.outputs().get(0).matches("fd=\\d+"), open.outputs().toString());
    String fd = open.outputs().get(0).substring(3);
    assertTrue(calls.get(1).toString().matches("fd_read\\(fd=" + fd + ", iovs=\\[\\d iovecs?, \\d+ bytes\\]\\) = 0 nread=100 <.*>"),
        calls.get(1).toString());
    assertEquals("nread=0", calls.get(2).outputs().get(0));
    WasiCall missing = calls.get(4);
    assertEquals(44, missing.errno());
    assertEquals("NOENT", missing.errnoName());
    assertEquals(List.of(), missing.outputs());
    assertTrue(missing.toString().startsWith("path_open(fd=3, dirflags=SYMLINK_FOLLOW, path=\"missing\", oflags=0, "),
        missing.toString());
    assertTrue(missing.toString().contains(") = 44 NOENT <"), missing.toString());
  }

  @Test
  void procExitIsReportedWithItsCode() {
    List<WasiCall> calls = new ArrayList<>();
    RunResult r = skiff.pull(Fixtures.wasm("hello.wasm").toString()).runner().args("--exit=7")
        .wasiListener(WasiCallListener.of("proc_exit"::equals, calls::add)).run();
    assertEquals(7, r.exitCode());
    assertEquals(1, calls.size());
    assertEquals(java.util.Optional.of(7), calls.get(0).exitCode());
    assertEquals("proc_exit(code=7) = exit 7", calls.get(0).toString().replaceAll(" <.*>$", ""));
  }
}
