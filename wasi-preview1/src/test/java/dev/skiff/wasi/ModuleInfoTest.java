package dev.skiff.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testsupport.ApiSurface;
import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ModuleInfoTest {
  @Test
  void onlyTheApiPackageIsExportedToAllAndTheInternalOneOnlyToCore() {
    ModuleDescriptor md = ApiSurface.moduleDescriptor(WasiPreview1.class);
    assertEquals("dev.skiff.wasi", md.name());
    Set<String> exports = md.exports().stream().filter(e -> !e.isQualified())
        .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
    assertEquals(Set.of("dev.skiff.wasi"), exports);
    Set<String> qualified = md.exports().stream().filter(ModuleDescriptor.Exports::isQualified)
        .map(e -> e.source() + " to " + e.targets()).collect(Collectors.toSet());
    assertEquals(Set.of("dev.skiff.wasi.internal to [dev.skiff.core]"), qualified);
    assertTrue(md.opens().isEmpty(), "no opened packages");
    Set<String> transitive = md.requires().stream()
        .filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE))
        .map(ModuleDescriptor.Requires::name).collect(Collectors.toSet());
    assertEquals(Set.of("com.dylibso.chicory.runtime", "com.dylibso.chicory.wasm"), transitive);
  }

  @Test
  void noInternalTypeLeaksIntoPublicSignatures() {
    ApiSurface.assertSignatureTypes(WasiPreview1.class, n -> !n.contains(".internal."));
  }
}
