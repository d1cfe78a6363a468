package dev.skiff.internal;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.ValType;
import java.lang.invoke.CallSite;
import java.lang.invoke.ConstantCallSite;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.MutableCallSite;
import java.lang.invoke.SwitchPoint;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cache per {@code call_indirect} site of compiled guest code: the function the site called first,
 * called directly while the site calls it again. Chicory compiles each {@code call_indirect} to a call
 * of its {@code call_indirect_N} method for the type, which looks the entry up in the instance's table,
 * checks its instance and then finds the function in a {@code lookupswitch} over all the functions of
 * the type; that method is too large for C2 to inline, so each indirect call is two calls and the
 * look-ups (5-7% of SQLite's and JSON's time, most sites calling one function: an allocator, a
 * mutex, a callback). {@link ShadedPatch#rewrite} makes each such call an {@code invokedynamic} linked
 * by {@link #site}: on its first call the site looks its entry up, and from then on it tests that the
 * entry is the same and calls the function's method, which C2 can inline; any other entry goes the way
 * Chicory compiled it, which also traps as it does.
 *
 * <p>The cache keys on the entry's index, not its contents, so it holds only while every instance's
 * table holds the same function at that index for ever: the module's tables are its own (Skiff
 * provides only function imports, see {@link Linker}) and filled from its element segments alike in
 * every instance, and nothing but the module's code could change them. So the first table write of the
 * module's code ({@code table.set}, {@code .grow}, {@code .fill}, {@code .copy}, {@code .init}, in any
 * instance) ends every site's cache before it writes ({@link #tableWrite}), and a module with a
 * function left to Chicory's interpreter, whose writes would not tell, keeps Chicory's calls.
 */
public final class IndirectCalls {
  private static final Pattern METHOD = Pattern.compile("call_indirect_(\\d+)");
  /** Shaded's methods that change a table, in the copy of which {@link #tableWrite} links a call first. */
  static final Set<String> TABLE_WRITES = Set.of("tableSet", "tableGrow", "tableFill", "tableCopy", "tableInit");
  private static final MethodType TAIL = MethodType.methodType(void.class, int.class, int.class, Memory.class, Instance.class);
  private static final MethodHandle IS_ENTRY;
  private static final MethodHandle LINK;
  private static final MethodHandle TABLES_CHANGED;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      IS_ENTRY = lookup.findStatic(IndirectCalls.class, "isEntry",
          MethodType.methodType(boolean.class, int.class, int.class, int.class, int.class));
      LINK = lookup.findVirtual(Site.class, "link", MethodType.methodType(Object.class, Object[].class));
      TABLES_CHANGED = lookup.findVirtual(IndirectCalls.class, "tablesChanged", MethodType.methodType(void.class));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final WasmModule module;
  private final int functionImports;
  private final boolean cached;
  private final SwitchPoint tablesUnchanged = new SwitchPoint();
  /** Each function's method by index, once a site has needed it; empty when it has none. */
  private final Map<Integer, Optional<MethodHandle>> functions = new ConcurrentHashMap<>();

  private IndirectCalls(WasmModule module, boolean cached) {
    this.module = module;
    this.functionImports = Modules.importCount(module, ExternalType.FUNCTION);
    this.cached = cached;
  }

  /**
   * The indirect calls of the code of {@code module} (its stub or the whole), compiled with some function
   * left to Chicory's interpreter if {@code interpreted}.
   */
  static IndirectCalls of(WasmModule module, boolean interpreted) {
    return new IndirectCalls(module, !interpreted);
  }

  /** Whether the module's sites cache the functions they call, while its code has changed no table. */
  boolean caches() {
    return cached && !tablesUnchanged.hasBeenInvalidated();
  }

  /**
   * Links the {@code tablesChanged} invokedynamic that {@link ShadedPatch} puts first in the copy of
   * Shaded's table writes: the first write of the module's code, before it happens, ends the cache of
   * every site of the module; refuses any caller but compiled guest code.
   *
   * @throws IllegalCallerException unless called by the JVM for a class of compiled guest code
   */
  public static CallSite tableWrite(MethodHandles.Lookup caller, String name, MethodType type) {
    if (!ModuleCompiler.isGuestCodeLookup(caller) || !type.equals(MethodType.methodType(void.class))) {
      throw new IllegalCallerException("the table writes' call site is for compiled guest code only");
    }
    return new ConstantCallSite(TABLES_CHANGED.bindTo(ModuleCompiler.indirectCallsOf(caller.lookupClass())));
  }

  @SuppressWarnings("unused") // through TABLES_CHANGED
  private void tablesChanged() {
    if (!tablesUnchanged.hasBeenInvalidated()) {
      SwitchPoint.invalidateAll(new SwitchPoint[] {tablesUnchanged});
    }
  }

  /**
   * Links an indirect call of compiled guest code, which called Chicory's {@code name} of {@code owner}
   * with {@code type}; refuses any caller but compiled guest code.
   *
   * @throws IllegalCallerException unless called by the JVM for a class of compiled guest code
   */
  public static CallSite site(MethodHandles.Lookup caller, String name, MethodType type, Class<?> owner)
      throws ReflectiveOperationException {
    if (!ModuleCompiler.isGuestCodeLookup(caller)) {
      throw new IllegalCallerException("the indirect call sites are for compiled guest code only");
    }
    MethodHandle chicory = caller.findStatic(owner, name, type);
    IndirectCalls calls = ModuleCompiler.indirectCallsOf(caller.lookupClass());
    Matcher typeIndex = METHOD.matcher(name);
    int n = type.parameterCount();
    if (!calls.caches() || !typeIndex.matches() || n < TAIL.parameterCount()
        || !type.dropParameterTypes(0, n - TAIL.parameterCount()).changeReturnType(void.class).equals(TAIL)) {
      return new ConstantCallSite(chicory);
    }
    return new Site(calls, caller, Integer.parseInt(typeIndex.group(1)), chicory).callSite;
  }

  private static boolean isEntry(int expectedEntry, int expectedTable, int entry, int table) {
    return entry == expectedEntry && table == expectedTable;
  }

  /**
   * The method of function {@code index} if it is the module's own, of a type that a call of type
   * {@code typeIndex} may call (Chicory's test, {@code Compiler.isFuncTypeMatch}), with {@code type}.
   */
  private MethodHandle function(MethodHandles.Lookup lookup, int index, int typeIndex, MethodType type) {
    if (index < functionImports) {
      return null;
    }
    int own = module.functionSection().getFunctionType(index - functionImports);
    if (own != typeIndex && !ValType.heapTypeSubtype(own, typeIndex, module.typeSection())) {
      return null;
    }
    return functions.computeIfAbsent(index, i -> Optional.ofNullable(find(lookup, i, type))).orElse(null);
  }

  /** Chicory's method {@code func_<index>}, in the first of its function-group classes that has it. */
  private static MethodHandle find(MethodHandles.Lookup lookup, int index, MethodType type) {
    String groups = ShadedPatch.SHADED_COPY.replace('/', '.').replace("Shaded", "FuncGroup_");
    for (int group = 0; ; group++) {
      try {
        return lookup.findStatic(Class.forName(groups + group, false, lookup.lookupClass().getClassLoader()),
            "func_" + index, type);
      } catch (ClassNotFoundException | IllegalAccessException e) {
        return null;
      } catch (NoSuchMethodException e) {
        // in a later group
      }
    }
  }

  /** A site: linked on its first call to the function its entry holds then. */
  private static final class Site {
    final MutableCallSite callSite;
    private final IndirectCalls calls;
    private final MethodHandles.Lookup lookup;
    private final int typeIndex;
    private final MethodHandle chicory;

    Site(IndirectCalls calls, MethodHandles.Lookup lookup, int typeIndex, MethodHandle chicory) {
      this.calls = calls;
      this.lookup = lookup;
      this.typeIndex = typeIndex;
      this.chicory = chicory;
      MethodType type = chicory.type();
      this.callSite = new MutableCallSite(type);
      callSite.setTarget(LINK.bindTo(this).asCollector(Object[].class, type.parameterCount()).asType(type));
    }

    /** The first call: links the site and makes the call as Chicory compiled it. */
    @SuppressWarnings("unused") // through LINK
    Object link(Object[] arguments) throws Throwable {
      MethodHandle next = chicory;
      try {
        next = cache(arguments);
      } catch (RuntimeException e) {
        // no such entry, or another trap: Chicory's call below throws it
      }
      callSite.setTarget(next);
      return chicory.invokeWithArguments(arguments);
    }

    /** The target that calls the function of this call's entry directly, else as Chicory compiled it. */
    private MethodHandle cache(Object[] arguments) {
      int n = arguments.length;
      int entry = (Integer) arguments[n - 4];
      int table = (Integer) arguments[n - 3];
      Instance instance = (Instance) arguments[n - 1];
      TableInstance tableInstance = instance.table(table);
      int function = tableInstance.requiredRef(entry);
      Instance owner = tableInstance.instance(entry);
      MethodType type = chicory.type().dropParameterTypes(n - 4, n - 2);
      MethodHandle direct = owner == null || owner == instance ? calls.function(lookup, function, typeIndex, type) : null;
      if (direct == null || !calls.caches()) {
        return chicory;
      }
      MethodHandle test = MethodHandles.dropArguments(MethodHandles.insertArguments(IS_ENTRY, 0, entry, table), 0,
          type.parameterList().subList(0, n - 4));
      return calls.tablesUnchanged.guardWithTest(
          MethodHandles.guardWithTest(test, MethodHandles.dropArguments(direct, n - 4, int.class, int.class), chicory), chicory);
    }
  }
}
