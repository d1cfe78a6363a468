/**
 * Serves {@link dev.skiff.WasmHandler}s over HTTP on the JDK's built-in server. Start at
 * {@link dev.skiff.http.jdk.SkiffHttpServer}.
 */
module dev.skiff.http.jdk {
  requires transitive dev.skiff.core;
  requires transitive jdk.httpserver;

  exports dev.skiff.http.jdk;
}
