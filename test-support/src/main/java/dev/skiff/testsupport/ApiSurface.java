package dev.skiff.testsupport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checks a module's public surface from its compiled classes: the module descriptor, and that public
 * signatures name only allowed types (so no internal or third-party type leaks into the API).
 */
public final class ApiSurface {
  private ApiSurface() {}

  /** The compiled {@code module-info} of the module holding {@code anchor}. */
  public static ModuleDescriptor moduleDescriptor(Class<?> anchor) {
    try (InputStream in = Files.newInputStream(classesRoot(anchor).resolve("module-info.class"))) {
      return ModuleDescriptor.read(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every public class (nested ones included) compiled into {@code anchor}'s package. */
  public static List<Class<?>> publicTypes(Class<?> anchor) {
    String pkg = anchor.getPackageName();
    Path dir = classesRoot(anchor).resolve(pkg.replace('.', '/'));
    List<Class<?>> types = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList())) {
        Class<?> c = Class.forName(pkg + "." + f.getFileName().toString().replace(".class", ""));
        if (Modifier.isPublic(c.getModifiers())) {
          types.add(c);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ClassNotFoundException e) {
      throw new AssertionError(e);
    }
    return types;
  }

  /**
   * Asserts that every public method and constructor of the public types in {@code anchor}'s package
   * takes and returns only primitives and types whose name {@code allowed} accepts.
   */
  public static void assertSignatureTypes(Class<?> anchor, Predicate<String> allowed) {
    for (Class<?> c : publicTypes(anchor)) {
      for (Method m : c.getMethods()) {
        check(c, m.getReturnType(), allowed);
        for (Class<?> p : m.getParameterTypes()) {
          check(c, p, allowed);
        }
      }
      for (Constructor<?> k : c.getConstructors()) {
        for (Class<?> p : k.getParameterTypes()) {
          check(c, p, allowed);
        }
      }
    }
  }

  private static void check(Class<?> owner, Class<?> t, Predicate<String> allowed) {
    while (t.isArray()) {
      t = t.getComponentType();
    }
    assertTrue(t.isPrimitive() || allowed.test(t.getName()), owner.getName() + " exposes " + t.getName());
  }

  private static Path classesRoot(Class<?> anchor) {
    try {
      return Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
  }
}
