package dev.skiff.oci;

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

/** The public API is one package, and no third-party or internal type leaks into its signatures. */
class ModuleInfoTest {
  @Test
  void exportsOnlyThePublicPackage() throws Exception {
    Path classes = Path.of(OciClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ModuleDescriptor d;
    try (var in = Files.newInputStream(classes.resolve("module-info.class"))) {
      d = ModuleDescriptor.read(in);
    }
    assertEquals("dev.skiff.oci", d.name());
    Set<String> exports = d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
    assertEquals(Set.of("dev.skiff.oci"), exports);
    assertTrue(exports.stream().noneMatch(p -> p.contains("internal")));
  }

  @Test
  void publicSignaturesUseOnlyJdkAndOwnTypes() throws Exception {
    Path pkg = Path.of(OciClient.class.getProtectionDomain().getCodeSource().getLocation().toURI()).resolve("dev/skiff/oci");
    try (Stream<Path> files = Files.list(pkg)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        Class<?> c = Class.forName("dev.skiff.oci." + f.getFileName().toString().replace(".class", ""));
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
    boolean ok = t.isPrimitive() || n.startsWith("java.") || n.startsWith("dev.skiff.oci.") && !n.startsWith("dev.skiff.oci.internal.");
    assertTrue(ok, owner.getName() + " exposes " + n);
  }
}
