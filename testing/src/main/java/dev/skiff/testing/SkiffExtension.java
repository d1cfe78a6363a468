package dev.skiff.testing;

import dev.skiff.Engine;
import dev.skiff.Skiff;
import dev.skiff.WasmArtifact;
import dev.skiff.testing.internal.LoopbackRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Parameter;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * A JUnit 5 extension that gives each test class a {@link Skiff} over a temporary store, pulls class path
 * modules as artifacts and, on request, runs a real registry on loopback ({@link TestRegistry}); all of it
 * is closed and deleted after the class.
 *
 * <p>Test methods, constructors and {@code @BeforeAll}/{@code @AfterAll} methods take, as parameters, a
 * {@link Skiff}, a {@link WasmArtifact} annotated {@link ClasspathModule @ClasspathModule}, and a
 * {@link TestRegistry}. Annotate the class {@link SkiffTest @SkiffTest}, or register a configured extension
 * in a static field and use its accessors as well:
 *
 * <pre>{@code
 * class PluginTest {
 *   @RegisterExtension
 *   static final SkiffExtension skiff = SkiffExtension.builder()
 *       .registry()
 *       .configure(b -> b.engine(Engine.INTERPRETER).pullPolicy(PullPolicy.ALWAYS))
 *       .build();
 *
 *   @Test
 *   void pullsFromTheRegistry() {
 *     String ref = skiff.registry().push(Path.of("build/calc.wasm"), "plugins/calc:1.0");
 *     try (WasmInstance i = skiff.skiff().pull(ref).runner().instantiate()) {
 *       assertEquals(5, i.function("add").callInt(2, 3));
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>A {@code @Nested} class shares its enclosing class's Skiff, store and registry. The tests of one class
 * share one store: a test that needs an empty store makes its own {@code Skiff} over a {@code @TempDir}.
 * Instances are immutable; one instance serves one test class at a time.
 */
public final class SkiffExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SkiffExtension.class);

  /** Null when the settings come from the test class's {@link SkiffTest} annotation. */
  private final Settings settings;
  /** The running class's state, for the accessors of an extension registered in a static field. */
  private volatile ClassState current;

  /**
   * The extension as {@link SkiffTest @SkiffTest} registers it, configured by that annotation's
   * attributes (or the defaults without one); prefer {@link #builder()} in code.
   */
  public SkiffExtension() {
    this.settings = null;
  }

  private SkiffExtension(Settings settings) {
    this.settings = settings;
  }

  /**
   * A builder for a configured extension, to register with {@code @RegisterExtension}.
   *
   * @return a builder with the defaults: no registry, {@link Skiff}'s own defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    current = state(context);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    ClassState state = current;
    if (state != null && state.owner.equals(context.getUniqueId())) {
      // the store closes it (and deletes the folder) when the class's context closes, after this
      current = null;
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    Class<?> type = parameterContext.getParameter().getType();
    return type == Skiff.class || type == TestRegistry.class
        || (type == WasmArtifact.class && parameterContext.isAnnotated(ClasspathModule.class));
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    Parameter parameter = parameterContext.getParameter();
    ClassState state = state(extensionContext);
    if (parameter.getType() == Skiff.class) {
      return state.skiff;
    }
    if (parameter.getType() == TestRegistry.class) {
      if (state.registry == null) {
        throw new ParameterResolutionException("A TestRegistry parameter needs the extension to start one: "
            + "annotate " + state.testClass.getName() + " @SkiffTest(registry = true), or register "
            + "SkiffExtension.builder().registry().build()");
      }
      return state.registry;
    }
    String resource = parameterContext.findAnnotation(ClasspathModule.class).orElseThrow().value();
    try {
      return state.module(resource);
    } catch (IllegalArgumentException e) {
      throw new ParameterResolutionException(e.getMessage(), e);
    }
  }

  /**
   * The running test class's {@link Skiff}, for an extension registered in a static field.
   *
   * @return the Skiff, over a temporary store of the class
   * @throws IllegalStateException outside the test class's run
   */
  public Skiff skiff() {
    return running().skiff;
  }

  /**
   * The running test class's registry, for an extension registered in a static field.
   *
   * @return the registry
   * @throws IllegalStateException outside the test class's run, or when the extension starts no registry
   */
  public TestRegistry registry() {
    ClassState state = running();
    if (state.registry == null) {
      throw new IllegalStateException("This SkiffExtension starts no registry: build it with "
          + "SkiffExtension.builder().registry()");
    }
    return state.registry;
  }

  /**
   * The running test class's store folder, for tools that take a store path (it is deleted after the
   * class).
   *
   * @return the folder the {@link #skiff()} stores content in
   * @throws IllegalStateException outside the test class's run
   */
  public Path store() {
    return running().store;
  }

  /**
   * Pulls a {@code .wasm} class path resource with {@link #skiff()}, once per class, as a
   * {@link ClasspathModule @ClasspathModule} parameter does.
   *
   * @param resource the resource, absolute or relative to the test class's package
   * @return the artifact
   * @throws IllegalArgumentException when the resource does not exist or is not named {@code *.wasm}
   * @throws IllegalStateException outside the test class's run
   */
  public WasmArtifact classpathModule(String resource) {
    return running().module(resource);
  }

  private ClassState running() {
    ClassState state = current;
    if (state == null) {
      throw new IllegalStateException("The SkiffExtension is not running: its accessors work while its test "
          + "class runs, when it is registered with @RegisterExtension in a static field");
    }
    return state;
  }

  /** The state of the class (or of the enclosing class, for a nested one), made on first use. */
  private ClassState state(ExtensionContext context) {
    ClassState existing = context.getStore(NAMESPACE).get(this, ClassState.class);
    if (existing != null) {
      return existing;
    }
    ExtensionContext classContext = context;
    while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
      classContext = classContext.getParent().get();
    }
    Class<?> testClass = classContext.getRequiredTestClass();
    String owner = classContext.getUniqueId();
    return classContext.getStore(NAMESPACE).getOrComputeIfAbsent(this,
        key -> ClassState.open(settingsFor(testClass), testClass, owner), ClassState.class);
  }

  private Settings settingsFor(Class<?> testClass) {
    if (settings != null) {
      return settings;
    }
    Builder fromAnnotation = builder();
    AnnotationSupport.findAnnotation(testClass, SkiffTest.class).ifPresent(a -> {
      if (a.registry()) {
        fromAnnotation.registry();
      }
      Engine engine = a.engine();
      fromAnnotation.configure(b -> b.engine(engine));
    });
    return fromAnnotation.settings();
  }

  /** Configures a {@link SkiffExtension}; {@link #build()} makes an immutable extension. */
  public static final class Builder {
    private boolean registry;
    private Path registryBinary;
    private Consumer<Skiff.Builder> configure = b -> { };

    private Builder() {}

    /**
     * Starts a real registry on loopback for each test class, see {@link TestRegistry}.
     *
     * @return this builder
     */
    public Builder registry() {
      this.registry = true;
      return this;
    }

    /**
     * The registry binary to run, instead of the system property {@code skiff.testing.registry}, the
     * environment variable {@code SKIFF_TESTING_REGISTRY} or {@code docker-registry} on the {@code PATH}.
     *
     * @param binary a CNCF distribution {@code registry} executable
     * @return this builder
     */
    public Builder registryBinary(Path binary) {
      this.registryBinary = Objects.requireNonNull(binary, "binary");
      return this;
    }

    /**
     * More settings for each class's {@link Skiff}, applied in order; the store is always the class's
     * temporary one.
     *
     * @param configure sets, for example, {@code b -> b.engine(Engine.INTERPRETER)}
     * @return this builder
     */
    public Builder configure(Consumer<Skiff.Builder> configure) {
      Objects.requireNonNull(configure, "configure");
      this.configure = this.configure.andThen(configure);
      return this;
    }

    /**
     * Builds the extension.
     *
     * @return the extension
     * @throws IllegalStateException when a registry binary is named but no registry is asked for
     */
    public SkiffExtension build() {
      return new SkiffExtension(settings());
    }

    private Settings settings() {
      if (registryBinary != null && !registry) {
        throw new IllegalStateException("registryBinary(" + registryBinary + ") needs registry() as well");
      }
      return new Settings(registry, Optional.ofNullable(registryBinary), configure);
    }
  }

  private record Settings(boolean registry, Optional<Path> registryBinary, Consumer<Skiff.Builder> configure) {}

  /** One test class's folder, Skiff and registry; closed by the class's extension store. */
  private static final class ClassState implements ExtensionContext.Store.CloseableResource {
    final Class<?> testClass;
    final String owner;
    final Path dir;
    final Path store;
    final Skiff skiff;
    final LoopbackRegistry process;
    final TestRegistry registry;
    final Map<String, WasmArtifact> modules = new ConcurrentHashMap<>();
    final AtomicInteger copies = new AtomicInteger();

    private ClassState(Class<?> testClass, String owner, Path dir, Skiff skiff, LoopbackRegistry process) {
      this.testClass = testClass;
      this.owner = owner;
      this.dir = dir;
      this.store = dir.resolve("store");
      this.skiff = skiff;
      this.process = process;
      this.registry = process == null ? null : new TestRegistry(process, skiff);
    }

    static ClassState open(Settings settings, Class<?> testClass, String owner) {
      Path dir;
      try {
        dir = Files.createTempDirectory("skiff-test-");
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot create a temporary folder for " + testClass.getName(), e);
      }
      LoopbackRegistry process = null;
      try {
        if (settings.registry()) {
          process = LoopbackRegistry.start(settings.registryBinary(),
              Files.createDirectories(dir.resolve("registry")));
        }
        Skiff.Builder builder = Skiff.builder();
        settings.configure().accept(builder);
        Skiff skiff = builder.store(dir.resolve("store")).build();
        return new ClassState(testClass, owner, dir, skiff, process);
      } catch (IOException | RuntimeException e) {
        if (process != null) {
          process.close();
        }
        deleteTree(dir);
        if (e instanceof IOException io) {
          throw new UncheckedIOException(io);
        }
        throw (RuntimeException) e;
      }
    }

    WasmArtifact module(String resource) {
      Objects.requireNonNull(resource, "resource");
      return modules.computeIfAbsent(resource, r -> {
        // a folder per copy: two resources may share a file name
        Path target = dir.resolve("modules").resolve(Integer.toString(copies.incrementAndGet()));
        return skiff.pull(SkiffTesting.copyModule(testClass, r, target).toString());
      });
    }

    @Override
    public void close() {
      try {
        skiff.close();
      } finally {
        if (process != null) {
          process.close();
        }
        deleteTree(dir);
      }
    }
  }

  /**
   * Deletes the class's folder. A background compile that was under way when the Skiff closed may still
   * create its lock file in the store (it writes nothing else once closed), so a pass that finds a folder
   * refilled is repeated a few times before giving up.
   */
  static void deleteTree(Path root) {
    for (int pass = 1; ; pass++) {
      try (Stream<Path> paths = Files.walk(root)) {
        for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(p);
        }
        return;
      } catch (NoSuchFileException gone) {
        if (pass == 10) {
          throw new UncheckedIOException("Cannot delete the test folder " + root, gone);
        }
        // deleted under the walk (or the folder is gone): look again
      } catch (DirectoryNotEmptyException refilled) {
        if (pass == 10) {
          throw new UncheckedIOException("Cannot delete the test folder " + root + ": something keeps writing to it",
              refilled);
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new UncheckedIOException("Interrupted while deleting the test folder " + root, refilled);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot delete the test folder " + root, e);
      }
      if (!Files.exists(root)) {
        return;
      }
    }
  }
}
