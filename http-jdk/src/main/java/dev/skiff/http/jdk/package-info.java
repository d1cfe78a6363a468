/**
 * Serves HTTP from the JDK's built-in {@code com.sun.net.httpserver} with {@link dev.skiff.WasmHandler}:
 * {@link dev.skiff.http.jdk.WasmHttpHandler} adapts one handler, {@link dev.skiff.http.jdk.SkiffHttpServer}
 * serves several routes on one port with a bounded queue, {@code /healthz} and graceful shutdown.
 */
package dev.skiff.http.jdk;
