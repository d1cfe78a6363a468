package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testsupport.ApiSurface;
import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The public API is one package, and no third-party or internal type leaks into its signatures. */
class ModuleInfoTest {
  @Test
  void exportsOnlyThePublicPackage() {
    ModuleDescriptor d = ApiSurface.moduleDescriptor(OciClient.class);
    assertEquals("dev.skiff.oci", d.name());
    Set<String> exports = d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
    assertEquals(Set.of("dev.skiff.oci"), exports);
    assertTrue(exports.stream().noneMatch(p -> p.contains("internal")));
  }

  @Test
  void publicSignaturesUseOnlyJdkAndOwnTypes() {
    ApiSurface.assertSignatureTypes(OciClient.class,
        n -> n.startsWith("java.") || n.startsWith("dev.skiff.oci.") && !n.startsWith("dev.skiff.oci.internal."));
  }
}
