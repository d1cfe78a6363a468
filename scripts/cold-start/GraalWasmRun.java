import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.graalvm.polyglot.io.IOAccess;

/**
 * The JVM peer scripts/measure-cold-start times Skiff against: GraalWasm (JDK 21+, here on a stock JDK,
 * so Truffle interprets and keeps no cache) running a WASI command as a whole process, with the
 * current folder preopened as "." like node-wasi.mjs. Usage: GraalWasmRun FILE.wasm [ARGS...]; the exit
 * code is the guest's.
 */
public final class GraalWasmRun {
  public static void main(String[] args) throws Exception {
    Source source = Source.newBuilder("wasm", ByteSequence.create(Files.readAllBytes(Path.of(args[0]))), "main").build();
    try (Context context = Context.newBuilder("wasm")
        .option("wasm.Builtins", "wasi_snapshot_preview1")
        .option("wasm.WasiMapDirs", ".::" + Path.of("").toAbsolutePath())
        .option("engine.WarnInterpreterOnly", "false")
        .arguments("wasm", List.of(args).toArray(String[]::new))
        .allowIO(IOAccess.ALL)
        .build()) {
      Value instance = context.eval(source).newInstance();
      instance.getMember("exports").getMember("_start").execute();
    } catch (PolyglotException e) {
      if (!e.isExit()) {
        throw e;
      }
      System.exit(e.getExitStatus());
    }
  }
}
