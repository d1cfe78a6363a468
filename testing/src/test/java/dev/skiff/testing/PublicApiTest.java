package dev.skiff.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.testsupport.ApiSurface;
import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * skiff-testing exports one small package; its public signatures name the JDK, Skiff's public packages and
 * JUnit's extension API (which it implements), never the registry launcher underneath.
 */
class PublicApiTest {
  @Test
  void exportsOnlyDevSkiffTesting() {
    ModuleDescriptor d = ApiSurface.moduleDescriptor(SkiffExtension.class);
    assertEquals("dev.skiff.testing", d.name());
    assertEquals(Set.of("dev.skiff.testing"),
        d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
    assertEquals(Set.of("ClasspathModule", "SkiffExtension", "SkiffExtension$Builder", "SkiffTest", "SkiffTesting",
        "TestRegistry"), ApiSurface.publicTypes(SkiffExtension.class).stream()
        .map(c -> c.getName().substring("dev.skiff.testing.".length())).collect(Collectors.toSet()));
  }

  @Test
  void noInternalOrThirdPartyTypeLeaks() {
    ApiSurface.assertSignatureTypes(SkiffExtension.class, n -> n.startsWith("java.")
        || n.startsWith("dev.skiff.") && !n.contains(".internal.")
        || n.startsWith("org.junit.jupiter.api.extension."));
  }
}
