package dev.skiff.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class HelloTest {
  @Test
  void argsEnvStdinStdoutStderrAndExitCode() {
    Guests.Result r = Guests.run("hello.wasm", WasiOptions.builder()
        .args("hello", "--stdin", "--stderr", "--exit=7")
        .env("GREETING_NAME", "Skiff")
        .stdin(Stdin.bytes("piped bytes\n".getBytes(StandardCharsets.UTF_8)))
        .build());
    assertEquals(7, r.exitCode(), r::toString);
    assertEquals("Hello from Wasm, Skiff!\nargv[0]=hello\nargv[1]=--stdin\nargv[2]=--stderr\n"
        + "argv[3]=--exit=7\npiped bytes\n", r.stdout());
    assertEquals("a line on stderr\n", r.stderr());
  }
}
