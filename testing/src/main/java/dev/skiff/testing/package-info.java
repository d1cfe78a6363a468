/**
 * Test support for applications that embed Skiff.
 *
 * <p>With JUnit 5, annotate a test class {@link dev.skiff.testing.SkiffTest @SkiffTest} (or register a
 * configured {@link dev.skiff.testing.SkiffExtension}) and take a {@link dev.skiff.Skiff}, a
 * {@link dev.skiff.testing.ClasspathModule @ClasspathModule} {@link dev.skiff.WasmArtifact} or a
 * {@link dev.skiff.testing.TestRegistry} as test method parameters. Without JUnit,
 * {@link dev.skiff.testing.SkiffTesting} copies class path modules to files and writes OCI image layouts.
 */
package dev.skiff.testing;
