import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasi.WasiPreview1_ModuleFactory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import java.nio.file.Path;
import java.util.List;

/**
 * The baseline for `skiff run` cold start: raw Chicory (its own WASI artifact, used here only as a
 * baseline) parsing a .wasm file and running _start with the same arguments, as a whole process.
 * Usage: RawChicoryRun interpreter|compiler FILE.wasm [ARGS...]
 */
public final class RawChicoryRun {
  public static void main(String[] args) {
    WasmModule module = Parser.parse(Path.of(args[1]));
    List<String> argv = new java.util.ArrayList<>(List.of(args).subList(1, args.length));
    try (WasiPreview1 wasi = WasiPreview1.builder()
        .withOptions(WasiOptions.builder().inheritSystem().withArguments(argv).build()).build()) {
      Instance.Builder b = Instance.builder(module)
          .withImportValues(ImportValues.builder()
              .addFunction(WasiPreview1_ModuleFactory.toHostFunctions(wasi)).build());
      if (args[0].equals("compiler")) {
        b.withMachineFactory(MachineFactoryCompiler.compile(module));
      }
      b.build(); // runs _start
    } catch (WasiExitException e) {
      System.exit(e.exitCode());
    }
  }
}
