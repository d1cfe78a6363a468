package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * skiff-core exports one package, and its public signatures use only the JDK, Skiff's own public
 * packages and Chicory's runtime types where the API is about Chicory (host functions).
 */
class PublicApiTest {
  private static Path classes() throws Exception {
    return Path.of(Skiff.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  @Test
  void exportsOnlyDevSkiff() throws Exception {
    ModuleDescriptor d;
    try (var in = Files.newInputStream(classes().resolve("module-info.class"))) {
      d = ModuleDescriptor.read(in);
    }
    assertEquals("dev.skiff.core", d.name());
    Set<String> exports = d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
    assertEquals(Set.of("dev.skiff"), exports);
  }

  @Test
  void noInternalOrThirdPartyTypeLeaks() throws Exception {
    try (Stream<Path> files = Files.list(classes().resolve("dev/skiff"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList())) {
        Class<?> c = Class.forName("dev.skiff." + f.getFileName().toString().replace(".class", ""));
        if (!Modifier.isPublic(c.getModifiers())) {
          continue;
        }
        for (Method m : c.getMethods()) {
          check(c, m.getReturnType());
          for (Class<?> p : m.getParameterTypes()) {
            check(c, p);
          }
        }
        for (var k : c.getConstructors()) {
          for (Class<?> p : k.getParameterTypes()) {
            check(c, p);
          }
        }
      }
    }
  }

  private static void check(Class<?> owner, Class<?> t) {
    while (t.isArray()) {
      t = t.getComponentType();
    }
    String n = t.getName();
    boolean ours = n.startsWith("dev.skiff.") && !n.contains(".internal.");
    boolean chicoryHostApi = n.equals("com.dylibso.chicory.runtime.ImportFunction");
    assertTrue(t.isPrimitive() || n.startsWith("java.") || ours || chicoryHostApi,
        owner.getName() + " exposes " + n);
  }
}
