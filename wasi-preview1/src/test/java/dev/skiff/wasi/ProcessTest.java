package dev.skiff.wasi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Arguments, environment, clocks, randomness, stdio ownership and proc_exit. */
@Timeout(60)
class ProcessTest {

  /** Records whether anyone closed it. */
  static final class TrackingOutput extends ByteArrayOutputStream {
    boolean closed;

    @Override
    public void close() {
      closed = true;
    }
  }

  @Test
  void argsEnvClocksRandomAndClosingStdioLeavesHostStreamsOpen() {
    TrackingOutput out = new TrackingOutput();
    TrackingOutput err = new TrackingOutput();
    boolean[] inClosed = {false};
    ByteArrayInputStream in = new ByteArrayInputStream(new byte[0]) {
      @Override
      public void close() {
        inClosed[0] = true;
      }
    };
    Guests.Result r;
    WasiOptions options = WasiOptions.builder()
        .args("misc", "two words", "ünïcødé")
        .env("A", "1").env("EMPTY", "")
        .realtimeClock(WasiClock.fixed(1_700_000_000_123_456_789L))
        .random(new Random(42))
        .stdin(Stdin.stream(in)).stdout(Output.stream(out)).stderr(Output.stream(err))
        .build();
    r = Guests.run("wasi/misc.wasm", options);
    String stdout = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, r.exitCode(), () -> stdout + err.toString(StandardCharsets.UTF_8));
    byte[] expected = new byte[16];
    new Random(42).nextBytes(expected);
    assertEquals(HexFormat.of().formatHex(expected) + "\nok\n", stdout);
    assertFalse(out.closed || err.closed || inClosed[0], "the guest's close(0/1/2) closed a host stream");
  }

  @Test
  void procExitUnwindsFromDeepInsideNestedCalls() {
    Guests.Result r = Guests.run("wasi/misc.wasm", WasiOptions.builder().args("misc", "exit-deep", "42").build());
    assertEquals(42, r.exitCode());
    assertEquals("going deep\n", r.stdout());
  }

  @Test
  void rawErrnosForBadPointersAndFdsThenExitFromNestedWasmCalls() {
    Guests.Result r = Guests.run("wasi/errno.wasm", WasiOptions.builder().build());
    assertEquals(3, r.exitCode(), "100 + n means check n failed");
    assertEquals("hi", r.stdout());
  }

  @Test
  void captureIsBoundedAndTheGuestSeesAShortWriteThenEnospc() {
    Guests.Result r = Guests.run("hello.wasm", WasiOptions.builder()
        .args("hello", "--stdin")
        .stdin(Stdin.bytes("x".repeat(10_000).getBytes(StandardCharsets.UTF_8)))
        .stdout(Output.capture(100))
        .build());
    assertEquals(100, r.stdout().length());
    assertTrue(r.stdout().startsWith("Hello from Wasm, world!\n"));
  }

  @Test
  void limitBytesCapsAStream() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Guests.Result r = Guests.run("hello.wasm", WasiOptions.builder()
        .args("hello").stdout(Output.stream(out).limitBytes(10)).build());
    assertEquals(0, r.exitCode());
    assertEquals("Hello from", out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void stdoutAndStdinFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
    java.nio.file.Path input = java.nio.file.Files.writeString(dir.resolve("in.txt"), "from a file\n");
    java.nio.file.Path output = dir.resolve("out.txt");
    Guests.Result r = Guests.run("hello.wasm", WasiOptions.builder()
        .args("hello", "--stdin").stdin(Stdin.file(input)).stdout(Output.file(output)).build());
    assertEquals(0, r.exitCode());
    assertEquals("", r.stdout(), "not captured");
    assertEquals("Hello from Wasm, world!\nargv[0]=hello\nargv[1]=--stdin\nfrom a file\n",
        java.nio.file.Files.readString(output));
  }

  @Test
  void seededRandomIsDeterministicAndDefaultIsSecure() {
    assertEquals(java.security.SecureRandom.class, WasiOptions.builder().build().random().getClass());
    byte[] a = randomFromGuest(new Random(7));
    byte[] b = randomFromGuest(new Random(7));
    assertArrayEquals(a, b);
  }

  private static byte[] randomFromGuest(Random random) {
    Guests.Result r = Guests.run("wasi/misc.wasm", WasiOptions.builder()
        .args("misc", "two words", "ünïcødé").env("A", "1").env("EMPTY", "")
        .realtimeClock(WasiClock.fixed(1_700_000_000_123_456_789L)).random(random).build());
    return HexFormat.of().parseHex(r.stdout().split("\n")[0]);
  }
}
