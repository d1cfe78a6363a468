package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.testsupport.ApiSurface;
import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * skiff-core exports one package (and its internals to the command only), and its public signatures use only the JDK, Skiff's own public
 * packages and Chicory's runtime types where the API is about Chicory (host functions).
 */
class PublicApiTest {
  @Test
  void exportsOnlyDevSkiff() {
    ModuleDescriptor d = ApiSurface.moduleDescriptor(Skiff.class);
    assertEquals("dev.skiff.core", d.name());
    Set<String> exports = d.exports().stream().filter(e -> !e.isQualified())
        .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
    assertEquals(Set.of("dev.skiff"), exports);
    // the command alone reads the compiled-code cache's internals (its detached background compile)
    Set<String> qualified = d.exports().stream().filter(ModuleDescriptor.Exports::isQualified)
        .map(e -> e.source() + " to " + e.targets()).collect(Collectors.toSet());
    assertEquals(Set.of("dev.skiff.internal to [dev.skiff.cli]"), qualified);
  }

  @Test
  void noInternalOrThirdPartyTypeLeaks() {
    ApiSurface.assertSignatureTypes(Skiff.class, n -> n.startsWith("java.")
        || n.startsWith("dev.skiff.") && !n.contains(".internal.")
        || n.equals("com.dylibso.chicory.runtime.ImportFunction"));
  }
}
