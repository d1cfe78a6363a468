/**
 * Skiff's API: pull OCI-packaged WebAssembly and run it on Chicory with WASI preview1 capabilities
 * granted one by one.
 *
 * <p>Start at {@link dev.skiff.Skiff}: one thread-safe instance per application owns the content store
 * and the registry client. {@link dev.skiff.Skiff#pull(String)} gives a verified
 * {@link dev.skiff.WasmArtifact}; its {@link dev.skiff.WasmArtifact#runner()} runs a command module once
 * ({@link dev.skiff.Runner#run()}) or keeps an instance for repeated calls
 * ({@link dev.skiff.Runner#instantiate()}). Every
 * operational failure is a {@link dev.skiff.SkiffException}.
 */
package dev.skiff;
