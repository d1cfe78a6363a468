package dev.skiff.internal;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.internal.Compiler;
import com.dylibso.chicory.compiler.internal.CompilerResult;
import com.dylibso.chicory.compiler.internal.MachineFactory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Encoding;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.WasmWriter;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.MemorySection;
import com.dylibso.chicory.wasm.types.RawSection;
import com.dylibso.chicory.wasm.types.SectionId;
import dev.skiff.wasi.internal.ExactnessAssumption;
import dev.skiff.wasi.internal.FlatMemory;
import java.io.ByteArrayOutputStream;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.objectweb.asm.ClassReader;

/**
 * Chicory's runtime compiler, used so that what it makes can be kept: the generated classes, the
 * functions it left to the interpreter, and a stub ("meta") module in which every compiled function
 * body is {@code unreachable}. A later run parses the stub instead of the whole module (for a 32 MB
 * module a tenth of the bytes) and defines a generated class only when code first uses it.
 */
public final class ModuleCompiler {
  private static final System.Logger LOG = System.getLogger(ModuleCompiler.class.getName());
  private static final byte UNREACHABLE = 0x00;
  private static final byte END = 0x0b;

  /**
   * Modules larger than this are compiled whole: the split module is parsed and held beside the module
   * given, and for a 32 MB module of 32,768 functions that no longer fitted the 2 GB heap its compile
   * needed before.
   */
  static final int SPLIT_MODULES_UP_TO = 8 << 20;

  private ModuleCompiler() {}

  /** What a compile made: the cache entry, and the module its code runs (the one given, or that module split). */
  public record Compiled(CompiledCodeCache.Entry entry, WasmModule module) {}

  /**
   * Compiles {@code module}, parsed from {@code bytes}, after splitting functions too large for the JIT
   * (see {@link FunctionSplitter}); functions too large for the JVM stay interpreted. If the split of
   * {@link FunctionSplitter.Limits#DEFAULT} leaves a method HotSpot will not compile, the module is
   * also split deeper ({@link FunctionSplitter.Limits#DEEPER}) and, if that split differs, compiled
   * again; the compile that leaves fewer such methods is kept. That costs a second compile (and the
   * memory of two) in the rare module that needs it, whatever this JVM's flags, since the compiled
   * code is kept for other JVMs.
   */
  public static Compiled compile(WasmModule module, byte[] bytes) {
    return compile(module, bytes, FunctionSplitter.Limits.DEFAULT, FunctionSplitter.Limits.DEEPER);
  }

  /** {@link #compile(WasmModule, byte[])} with the split's limits, and those of its deeper split. */
  static Compiled compile(WasmModule module, byte[] bytes, FunctionSplitter.Limits limits, FunctionSplitter.Limits deeper) {
    if (bytes.length <= SPLIT_MODULES_UP_TO) {
      try { // validated: a fault of the split must fail here, not in the generated code
        FunctionSplitter.Result split = FunctionSplitter.split(module, bytes, limits);
        if (split != null) {
          Compiled compiled = compileSplit(split);
          int huge = slowing(compiled).size();
          return huge == 0 ? compiled : splitDeeper(module, bytes, deeper, split, compiled, huge);
        }
      } catch (RuntimeException | StackOverflowError e) {
        LOG.log(Level.WARNING, "The module with its large functions split does not compile (a fault in Skiff"
            + " or Chicory; please report it), so they are compiled whole: " + e);
      }
    }
    return compileAsIs(module, bytes);
  }

  /**
   * {@code compiled}, the compile of {@code split} that left {@code huge} methods above HotSpot's limit,
   * or the module split with {@code deeper} limits and compiled, if that leaves fewer. A fault of the
   * deeper split keeps {@code compiled}.
   */
  private static Compiled splitDeeper(WasmModule module, byte[] bytes, FunctionSplitter.Limits deeper,
      FunctionSplitter.Result split, Compiled compiled, int huge) {
    try {
      FunctionSplitter.Result deeperSplit = FunctionSplitter.split(module, bytes, deeper);
      if (deeperSplit == null || Arrays.equals(deeperSplit.bytes(), split.bytes())) {
        return compiled; // the same split would make the same methods
      }
      Compiled again = compileSplit(deeperSplit);
      int left = slowing(again).size();
      LOG.log(Level.DEBUG, () -> "Split deeper, since the split left " + huge + " methods above HotSpot's limit: "
          + left + " left, so the " + (left < huge ? "deeper" : "first") + " split is kept");
      return left < huge ? again : compiled;
    } catch (RuntimeException | StackOverflowError e) {
      LOG.log(Level.WARNING, "The module split deeper does not compile (a fault in Skiff or Chicory; please"
          + " report it), so the first split is kept: " + e);
      return compiled;
    }
  }

  /** {@code split} compiled. */
  private static Compiled compileSplit(FunctionSplitter.Result split) {
    WasmModule parts = Parser.builder().build().parse(() -> new java.io.ByteArrayInputStream(split.bytes()));
    Compiled compiled = compileAsIs(parts, split.bytes());
    LOG.log(Level.DEBUG, () -> "Split " + split.functionsSplit() + " large functions into " + split.parts()
        + " more, so that the JIT compiles them");
    return compiled;
  }

  /** The methods of guest code in {@code compiled} that HotSpot will not compile (see {@link HugeMethods}). */
  static List<HugeMethods.Method> slowing(Compiled compiled) {
    List<HugeMethods.Method> huge = new ArrayList<>();
    compiled.entry().classes.values().forEach(classFile -> huge.addAll(HugeFunctionNotice.slowing(classFile)));
    return huge;
  }

  private static Compiled compileAsIs(WasmModule module, byte[] bytes) {
    PrivateGlobals privateGlobals = PrivateGlobals.forModule(module);
    CompilerResult result = Compiler.builder(module)
        .withInterpreterFallback(InterpreterFallback.SILENT)
        .withClassCollectorFactory(() -> new ShadedPatch.Collector(privateGlobals))
        .build()
        .compile();
    Map<String, byte[]> generated = new LinkedHashMap<>();
    // Chicory names some classes with dots and some with slashes; the class loader wants dots
    result.collector().classBytes().forEach((name, code) -> generated.put(name.replace('/', '.'), code));
    Set<Integer> interpreted = result.interpretedFunctions();
    Map<String, byte[]> classes = privateGlobals.settle(generated, interpreted);
    return new Compiled(new CompiledCodeCache.Entry(classes, result.collector().mainClassName(),
        metaModule(module, bytes, interpreted), interpreted), module);
  }

  /** The stub module of an entry, parsed without validation (it was made from a validated module). */
  public static WasmModule parseMeta(CompiledCodeCache.Entry entry) {
    return Parser.builder().withValidation(false).build().parse(() -> new java.io.ByteArrayInputStream(entry.metaModule));
  }

  /**
   * The machine factory of an entry for instances of {@code module} (its stub or the full module), the
   * module {@code digest}. Logs, once, when the code holds a function this JVM will not JIT-compile.
   */
  public static Function<Instance, Machine> factory(CompiledCodeCache.Entry entry, WasmModule module, String digest) {
    LazyClassLoader loader = new LazyClassLoader(new HashMap<>(entry.classes), new HugeFunctionNotice(module, digest));
    FlatMemory.openTo(loader.getUnnamedModule()); // the memory helpers read FlatMemory's bytes
    GuestInterrupts.openTo(loader.getUnnamedModule()); // its interrupt check, and GlobalsMachine
    MethodHandle constructor;
    try {
      Class<?> main = Class.forName(entry.mainClass, true, loader);
      constructor = MethodHandles.publicLookup().findConstructor(main, MethodType.methodType(void.class, Instance.class));
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new IllegalStateException("compiled code for the module does not load: " + e, e);
    }
    int memories = Modules.importCount(module, ExternalType.MEMORY)
        + module.memorySection().map(MemorySection::memoryCount).orElse(0);
    int[] intFields = PrivateGlobals.forModule(module).intFields(); // as the compile chose them
    Function<Instance, Machine> machines = instance -> {
      relyOnMemories(instance, memories, loader.exactness);
      try {
        return new GlobalsMachine((Machine) constructor.invoke(instance), instance, intFields);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException(e);
      }
    };
    return new MachineFactory(module, machines);
  }

  /**
   * Gives {@code assumption} to each flat memory the instance has, its {@code memories} imported and
   * defined ones, before its code can run: the code links it ({@link MemoryExactness}), and a memory
   * ends it before its array gets longer than itself, or at once when it is so already.
   */
  private static void relyOnMemories(Instance instance, int memories, ExactnessAssumption assumption) {
    for (int i = 0; i < memories; i++) {
      if (instance.memory(i) instanceof FlatMemory flat) {
        flat.reliedOnBy(assumption);
      }
    }
  }

  /** The exactness assumption of the module whose compiled code {@code type} is part of. */
  static ExactnessAssumption exactnessOf(Class<?> type) {
    return ((LazyClassLoader) type.getClassLoader()).exactness;
  }

  /**
   * The module with each compiled function's body replaced by {@code unreachable} and custom sections
   * dropped except "name" (trap messages name functions), as Chicory's build-time compiler does.
   */
  static byte[] metaModule(WasmModule module, byte[] bytes, Set<Integer> interpreted) {
    int functionImports = Modules.importCount(module, ExternalType.FUNCTION);
    WasmWriter writer = new WasmWriter();
    Parser.parseWithoutDecoding(bytes, section -> {
      RawSection raw = (RawSection) section;
      if (section.sectionId() == SectionId.CODE) {
        writer.writeSection(SectionId.CODE, stubCode(raw.contents(), functionImports, interpreted));
      } else if (section.sectionId() != SectionId.CUSTOM || isNameSection(raw.contents())) {
        writer.writeSection(raw);
      }
    });
    return writer.bytes();
  }

  private static byte[] stubCode(byte[] contents, int functionImports, Set<Integer> interpreted) {
    ByteBuffer in = ByteBuffer.wrap(contents);
    ByteArrayOutputStream out = new ByteArrayOutputStream(contents.length / 8);
    int count = (int) Encoding.readVarUInt32(in);
    WasmWriter.writeVarUInt32(out, count);
    for (int i = 0; i < count; i++) {
      int size = (int) Encoding.readVarUInt32(in);
      if (interpreted.contains(functionImports + i)) {
        WasmWriter.writeVarUInt32(out, size);
        out.write(contents, in.position(), size);
      } else {
        out.write(3); // body size: no locals, unreachable, end
        out.write(0);
        out.write(UNREACHABLE);
        out.write(END);
      }
      in.position(in.position() + size);
    }
    return out.toByteArray();
  }

  private static boolean isNameSection(byte[] contents) {
    ByteBuffer in = ByteBuffer.wrap(contents);
    int length = (int) Encoding.readVarUInt32(in);
    return length == 4 && new String(contents, in.position(), 4, StandardCharsets.UTF_8).equals("name");
  }

  /**
   * Logs the first generated class with methods this JVM will not JIT-compile (see {@link HugeMethods}),
   * naming the Wasm functions; the classes are defined as code first uses them, so "at least".
   */
  static final class HugeFunctionNotice {
    private static final Pattern FUNCTION = Pattern.compile("func_(\\d+)");
    private final WasmModule module;
    private final String digest;
    private volatile boolean done;

    HugeFunctionNotice(WasmModule module, String digest) {
      this.module = module;
      this.digest = digest;
    }

    /** Looks at a class about to be defined; never fails, since it only informs. */
    void inspect(byte[] classFile) {
      if (done) {
        return;
      }
      List<HugeMethods.Method> huge;
      try {
        huge = slowing(classFile);
      } catch (RuntimeException e) {
        return; // a class file this reader does not follow: no notice rather than no class
      }
      if (!huge.isEmpty()) {
        done = true; // one notice per module, and none where the limit does not apply
        if (HugeMethods.skipped()) {
          LOG.log(Level.INFO, message(huge));
        }
      }
    }

    /**
     * The methods of {@code classFile} above the limit that run as guest code runs: all but Chicory's
     * entry into compiled code ({@code MachineCall.call}, or {@code call_dispatch_N} in a module of
     * 1,024 functions or more), which runs once per call from the host or from an interpreted
     * function, not per call between compiled functions (SQLite's is 11,864 bytes).
     */
    static List<HugeMethods.Method> slowing(byte[] classFile) {
      List<HugeMethods.Method> huge = new ArrayList<>(HugeMethods.in(classFile));
      if (!huge.isEmpty()) {
        boolean entry = new ClassReader(classFile).getClassName().endsWith("MachineCall");
        huge.removeIf(method -> method.name().startsWith("call_dispatch_") || (entry && method.name().equals("call")));
      }
      return huge;
    }

    /** What the log says of {@code huge}, methods of one generated class. */
    String message(List<HugeMethods.Method> huge) {
      StringJoiner functions = new StringJoiner("; ");
      huge.forEach(method -> functions.add(describe(method)));
      return "Module " + digest + " has compiled functions larger than HotSpot JIT-compiles ("
          + HugeMethods.LIMIT + " bytes of JVM bytecode), which run in the JVM's bytecode interpreter, several"
          + " times slower: at least " + functions + ". Run the JVM with -XX:-DontCompileHugeMethods (for the"
          + " skiff command: SKIFF_JAVA_OPTS=-XX:-DontCompileHugeMethods) when they matter.";
    }

    private String describe(HugeMethods.Method method) {
      Matcher m = FUNCTION.matcher(method.name());
      if (!m.matches()) {
        return method.name() + ": " + String.format(Locale.ROOT, "%,d", method.length()) + " bytes";
      }
      int index = Integer.parseInt(m.group(1));
      String name = module.nameSection() == null ? null : module.nameSection().nameOfFunction(index);
      return "function " + index + (name != null ? " (" + name + ")" : "") + ": "
          + String.format(Locale.ROOT, "%,d", method.length()) + " bytes";
    }
  }

  /** Whether {@code type} is a class of compiled guest code, defined by a {@link #factory}'s loader. */
  static boolean definesGuestCode(Class<?> type) {
    return type.getClassLoader() instanceof LazyClassLoader;
  }

  /**
   * Whether {@code caller} is the JVM's full-privilege lookup for a class of compiled guest code: the only
   * caller to which a bootstrap hands a call site that Skiff retargets.
   */
  static boolean isGuestCodeLookup(MethodHandles.Lookup caller) {
    return definesGuestCode(caller.lookupClass()) && caller.hasFullPrivilegeAccess();
  }

  /** Defines a generated class when code first refers to it, not all of them up front. */
  private static final class LazyClassLoader extends ClassLoader {
    private final Map<String, byte[]> classes;
    private final HugeFunctionNotice notice;
    /** What the module's code assumes of its memories: one per module, as each module has a loader. */
    final ExactnessAssumption exactness = new ExactnessAssumption();

    LazyClassLoader(Map<String, byte[]> classes, HugeFunctionNotice notice) {
      super(ModuleCompiler.class.getClassLoader());
      this.classes = classes;
      this.notice = notice;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      byte[] bytes;
      synchronized (classes) {
        bytes = classes.get(name);
      }
      if (bytes == null) {
        throw new ClassNotFoundException(name);
      }
      notice.inspect(bytes);
      return defineClass(name, bytes, 0, bytes.length);
    }
  }
}
