/**
 * Test support for applications that embed Skiff: {@link dev.skiff.testing.SkiffTest} and
 * {@link dev.skiff.testing.SkiffExtension} for JUnit 5, and {@link dev.skiff.testing.SkiffTesting} for any
 * framework.
 */
module dev.skiff.testing {
  requires transitive dev.skiff.core;
  requires transitive org.junit.jupiter.api;
  // the loopback registry's readiness probe
  requires java.net.http;

  exports dev.skiff.testing;
}
