/**
 * Skiff's WASI preview1 host for Chicory: capability-safe host functions for
 * {@code wasi_snapshot_preview1}, configured through {@link dev.skiff.wasi.WasiOptions}.
 */
// "module": the qualified export names skiff-core, which is built after this one
@SuppressWarnings("module")
module dev.skiff.wasi {
  requires transitive com.dylibso.chicory.runtime;
  requires transitive com.dylibso.chicory.wasm;
  // Thread CPU time for CLOCKID_THREAD_CPUTIME_ID.
  requires java.management;

  exports dev.skiff.wasi;
  // skiff-core's compiled guest code reads FlatMemory's bytes directly
  exports dev.skiff.wasi.internal to dev.skiff.core;
}
