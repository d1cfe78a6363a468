/**
 * A capability-safe WASI preview1 host for Chicory: a guest sees only what
 * {@link dev.skiff.wasi.WasiOptions} grants (arguments, environment variables, preopened directories,
 * standard streams, clocks, randomness). Usable on its own with plain Chicory through
 * {@link dev.skiff.wasi.WasiPreview1}.
 */
package dev.skiff.wasi;
