package dev.skiff.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ModuleInfoTest {
  private static final List<Class<?>> PUBLIC_TYPES = List.of(WasiOptions.class, WasiOptions.Builder.class,
      Access.class, Stdin.class, Output.class, WasiClock.class, Preopen.class, WasiPreview1.class,
      WasiExitException.class);

  @Test
  void onlyTheApiPackageIsExported() throws Exception {
    Path classes = Path.of(WasiPreview1.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ModuleDescriptor md;
    try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
      md = ModuleDescriptor.read(in);
    }
    assertEquals("dev.skiff.wasi", md.name());
    Set<String> exports = md.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
    assertEquals(Set.of("dev.skiff.wasi"), exports);
    assertTrue(md.opens().isEmpty(), "no opened packages");
    Set<String> transitive = md.requires().stream()
        .filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE))
        .map(ModuleDescriptor.Requires::name).collect(Collectors.toSet());
    assertEquals(Set.of("com.dylibso.chicory.runtime", "com.dylibso.chicory.wasm"), transitive);
  }

  @Test
  void noInternalTypeLeaksIntoPublicSignatures() {
    for (Class<?> type : PUBLIC_TYPES) {
      for (Method m : type.getMethods()) {
        if (!Modifier.isPublic(m.getModifiers()) || m.getDeclaringClass() == Object.class) {
          continue;
        }
        assertFalse(m.getReturnType().getName().contains(".internal."), m.toString());
        for (Class<?> p : m.getParameterTypes()) {
          assertFalse(p.getName().contains(".internal."), m.toString());
        }
      }
    }
  }
}
