package dev.skiff.testing;

import dev.skiff.Engine;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a JUnit 5 test class with {@link SkiffExtension}: test methods (and constructors) take a
 * {@link dev.skiff.Skiff} whose store is a temporary folder of the test class, deleted after it, modules from
 * the class path as {@link ClasspathModule @ClasspathModule} {@link dev.skiff.WasmArtifact}s, and, with
 * {@code registry = true}, a {@link TestRegistry}.
 *
 * <pre>{@code
 * @SkiffTest
 * class CalcTest {
 *   @Test
 *   void adds(@ClasspathModule("/plugins/calc.wasm") WasmArtifact calc) {
 *     try (WasmInstance i = calc.runner().instantiate()) {
 *       assertEquals(5, i.function("add").callInt(2, 3));
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>For settings beyond these, register a configured extension instead:
 * {@code @RegisterExtension static final SkiffExtension skiff = SkiffExtension.builder()...build();}
 * (not both on one class).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(SkiffExtension.class)
public @interface SkiffTest {
  /**
   * Whether to start a real registry on loopback for the class, see {@link TestRegistry}.
   *
   * @return true to start one (default false)
   */
  boolean registry() default false;

  /**
   * The {@link dev.skiff.Skiff}'s default engine.
   *
   * @return the engine (default {@link Engine#AUTO}, as {@link dev.skiff.Skiff.Builder#engine(Engine)})
   */
  Engine engine() default Engine.AUTO;
}
