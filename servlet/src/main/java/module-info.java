/** Serves {@link dev.skiff.WasmHandler}s from a Jakarta Servlet 6 container: {@link dev.skiff.servlet.WasmServlet}. */
module dev.skiff.servlet {
  requires transitive dev.skiff.core;
  requires static transitive jakarta.servlet;

  exports dev.skiff.servlet;
}
