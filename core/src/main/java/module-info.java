/**
 * Skiff core: the fluent API that pulls OCI-packaged WebAssembly and runs it on Chicory with WASI
 * preview1 capabilities granted one by one. Start at {@link dev.skiff.Skiff}.
 */
// "module": the qualified export names the command's module, which is built after this one
@SuppressWarnings("module")
module dev.skiff.core {
  requires transitive dev.skiff.oci;
  requires transitive dev.skiff.wasi;
  requires transitive com.dylibso.chicory.runtime;
  requires transitive com.dylibso.chicory.wasm;
  requires com.dylibso.chicory.compiler;
  requires jdk.management; // HotSpotDiagnosticMXBean: whether this JVM JIT-compiles huge methods
  requires org.objectweb.asm;
  requires org.objectweb.asm.commons;
  requires org.objectweb.asm.tree;

  exports dev.skiff;
  // the command's detached background compile reads the compiled-code cache's state directly
  exports dev.skiff.internal to dev.skiff.cli;
}
