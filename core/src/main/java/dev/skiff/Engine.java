package dev.skiff;

/**
 * How Chicory executes a module.
 *
 * <p>{@link #AUTO}, the default, never makes a first run wait for the compiler: it runs compiled code
 * when it is already at hand (in memory, or in the on-disk compiled-code cache beside the store) and
 * otherwise interprets while the module compiles in the background, so later instances run compiled.
 */
public enum Engine {
  /** Compiled code when ready, the interpreter meanwhile; compiles in the background. */
  AUTO,
  /** Always Chicory's interpreter: no compilation cost, slowest execution. */
  INTERPRETER,
  /** Always Chicory's runtime compiler (Wasm to JVM bytecode); the first instance waits for it. */
  COMPILER
}
