package dev.skiff.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link dev.skiff.WasmArtifact} parameter of a {@link SkiffTest} method or constructor: the
 * extension pulls the named {@code .wasm} class path resource with the test class's
 * {@link dev.skiff.Skiff}, once per class.
 *
 * <p>On the module path, a module keeps resources in folders named like packages to itself (even with no
 * class in them): there, put modules in a folder that is no Java package name, e.g.
 * {@code /wasm-modules/calc.wasm}.
 *
 * <pre>{@code
 * @Test void adds(@ClasspathModule("/plugins/calc.wasm") WasmArtifact calc) { ... }
 * }</pre>
 */
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ClasspathModule {
  /**
   * The resource, resolved as {@link Class#getResource(String)} of the test class does: absolute
   * ({@code /plugins/calc.wasm}) or relative to the test class's package.
   *
   * @return the resource name, ending in {@code .wasm}
   */
  String value();
}
