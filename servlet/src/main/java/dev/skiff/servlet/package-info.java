/**
 * Serves HTTP from any Jakarta Servlet 6 container with {@link dev.skiff.WasmHandler}: {@link
 * dev.skiff.servlet.WasmServlet} hands each request to a fresh Wasm instance by the CGI convention.
 */
package dev.skiff.servlet;
