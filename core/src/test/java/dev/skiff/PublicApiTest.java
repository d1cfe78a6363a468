package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.testing.ApiSurface;
import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * skiff-core exports one package, and its public signatures use only the JDK, Skiff's own public
 * packages and Chicory's runtime types where the API is about Chicory (host functions).
 */
class PublicApiTest {
  @Test
  void exportsOnlyDevSkiff() {
    ModuleDescriptor d = ApiSurface.moduleDescriptor(Skiff.class);
    assertEquals("dev.skiff.core", d.name());
    Set<String> exports = d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
    assertEquals(Set.of("dev.skiff"), exports);
  }

  @Test
  void noInternalOrThirdPartyTypeLeaks() {
    ApiSurface.assertSignatureTypes(Skiff.class, n -> n.startsWith("java.")
        || n.startsWith("dev.skiff.") && !n.contains(".internal.")
        || n.equals("com.dylibso.chicory.runtime.ImportFunction"));
  }
}
