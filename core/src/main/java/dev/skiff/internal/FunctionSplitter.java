package dev.skiff.internal;

import com.dylibso.chicory.wasm.Encoding;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.WasmWriter;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.RawSection;
import com.dylibso.chicory.wasm.types.SectionId;
import com.dylibso.chicory.wasm.types.ValType;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves parts of large Wasm functions into functions of their own, before Chicory compiles the module,
 * so that no function becomes a JVM method that HotSpot will not JIT-compile (8,000 bytes of bytecode,
 * see {@link HugeMethods}). An interpreter's dispatch loop or a database's virtual machine is one such
 * function, and left whole it runs in the JVM's bytecode interpreter for ever.
 *
 * <p>A part is a structured piece of code that leaves the operand stack as it found it: a block, loop or
 * if of empty type, or the instructions that follow a block of empty type that opens its enclosing
 * block (a {@code switch} case, as LLVM lays them out). The new function takes the locals live where
 * the part starts as parameters (past a few, through scratch globals), hands back through scratch
 * globals those it writes that are live where it ends, and returns which of the labels outside the
 * part it branched to, on which the caller branches. Parts that branch to labels
 * carrying values, or use instructions this pass does not know (SIMD, exceptions, tail calls, GC),
 * are left in place; a function that holds such instructions is not split.
 */
final class FunctionSplitter {
  /**
   * When a body is split and how small the split makes it, in bytes of Wasm code (a byte of it makes
   * about 1.2-1.3 bytes of JVM bytecode).
   *
   * @param splitAbove bodies larger than this are split
   * @param target what is left of a body after the split, at most (when it can be reached)
   * @param dispatchTarget what may be left of a body before a part holding an interpreter's dispatch
   *     moves, at most: more than {@code target}, so that the dispatch stays in its loop
   * @param partMax a part's size, at most
   * @param minPart a part's size, at least: smaller ones save too little to pay for the call
   * @param parameterSlots the JVM parameter slots a part's inputs may take; the others go in globals
   */
  record Limits(int splitAbove, int target, int dispatchTarget, int partMax, int minPart, int parameterSlots) {
    /**
     * Below HotSpot's 8,000-byte limit with room to spare (C1 also gives up on methods of 5,000-7,000
     * bytes with many locals, "out of virtual registers", and C2 on methods with about 40 parameters,
     * "unsupported calling sequence", which then stay in the JVM's interpreter), but for an
     * interpreter's loop: its dispatch moves only while the body is above 6,000 bytes. Parts down to 48
     * bytes move (160 before), so that Lua's small cases leave its loop too. Split Lua's loop
     * ({@code luaV_execute}) then keeps its fetch and dispatch and calls a part per case (7,498 bytes of
     * JVM bytecode, with the typed global helpers of {@link PrivateGlobals}), where with {@link #DEEPER}
     * the dispatch is a part of its own that the loop calls for every Lua instruction. The smaller parts
     * apply to every function: JSON's and zlib's splits stay as they were, SQLite's has 397 parts
     * against 236 (its dispatch still a part). Against {@link #DEEPER} (LuaBenchmark, SqliteBenchmark,
     * JsonBenchmark, ZlibBenchmark, JDK 25): Lua 0.84x and SQLite 0.79x the time, JSON and zlib the
     * same. A target of 2,500 made Lua and SQLite slower, one of 5,000 SQLite, and one of 6,000 for
     * every part JSON 1.11x and deflate 1.19x (a function of wasi-libc then left larger).
     */
    static final Limits DEFAULT = new Limits(5_500, 4_000, 6_000, 2_500, 48, 24);

    /**
     * The limits before {@link #DEFAULT}, which move an interpreter's dispatch as any other part: for a
     * module whose split at {@link #DEFAULT} leaves a method above HotSpot's limit (see
     * {@link ModuleCompiler#compile}).
     */
    static final Limits DEEPER = new Limits(5_500, 4_000, 4_000, 2_500, 160, 24);
  }

  /**
   * A br_table with this many labels or more is taken to be an interpreter's dispatch: parts that hold
   * one are moved last, and only while the body is above {@link Limits#dispatchTarget}, so the dispatch
   * stays in the loop and its cases become the parts.
   */
  private static final int DISPATCH_LABELS = 16;

  /**
   * Rounds of splitting per function, at most: each decodes the body again, so deeply nested code, where
   * a round takes one part, stays linear in time.
   */
  private static final int MAX_ROUNDS = 64;

  private static final int BLOCK = 0x02;
  private static final int LOOP = 0x03;
  private static final int IF = 0x04;
  private static final int ELSE = 0x05;
  private static final int END = 0x0b;
  private static final int BR = 0x0c;
  private static final int BR_IF = 0x0d;
  private static final int BR_TABLE = 0x0e;
  private static final int RETURN = 0x0f;
  private static final int CALL = 0x10;
  private static final int LOCAL_GET = 0x20;
  private static final int LOCAL_SET = 0x21;
  private static final int LOCAL_TEE = 0x22;
  private static final int GLOBAL_GET = 0x23;
  private static final int GLOBAL_SET = 0x24;
  private static final int I32_CONST = 0x41;
  private static final int EMPTY = 0x40;
  private static final int I32 = 0x7f;
  private static final int I64 = 0x7e;
  private static final int F32 = 0x7d;
  private static final int F64 = 0x7c;
  private static final int FUNC_TYPE = 0x60;

  /**
   * A part as a function of its own: its type index, encoded body, the function it came from and its
   * number among that function's parts (for its name).
   */
  private record NewFunction(int type, byte[] body, int from, int number) {}

  /** What a split made: the new module's bytes, and how many functions were split into how many parts. */
  record Result(byte[] bytes, int functionsSplit, int parts) {}

  private final WasmModule module;
  private final Limits limits;
  private final int functionImports;
  private final int globalImports;
  private final int definedFunctions;
  private final int definedGlobals;
  /** New function types, each encoded from its 0x60, and the index of each. */
  private final Map<String, Integer> newTypes = new LinkedHashMap<>();
  private final int existingTypes;
  /** The new functions, in the order of their indices. */
  private final List<NewFunction> newFunctions = new ArrayList<>();
  /** Scratch globals by value type (I32, I64, F32, F64), in the order of their indices. */
  private final List<Integer> scratchTypes = new ArrayList<>();
  private final int[][] scratch = new int[4][0];
  private int functionsSplit;

  private FunctionSplitter(WasmModule module, Limits limits) {
    this.module = module;
    this.limits = limits;
    this.functionImports = Modules.importCount(module, ExternalType.FUNCTION);
    this.globalImports = Modules.importCount(module, ExternalType.GLOBAL);
    this.definedFunctions = module.functionSection().functionCount();
    this.definedGlobals = module.globalSection().globalCount();
    this.existingTypes = module.typeSection().typeCount();
  }

  /**
   * {@code bytes} (parsed as {@code module}) with its large functions split, or null when it has none or
   * is of a form this pass leaves alone (types other than plain function types). Custom sections are
   * kept, the parts named in "name", and a "skiff.split" section added that holds where each original
   * body's code started, since DWARF's code offsets hold for the original module only (see
   * {@link DwarfLines}).
   */
  static Result split(WasmModule module, byte[] bytes) {
    return split(module, bytes, Limits.DEFAULT);
  }

  /** As {@link #split(WasmModule, byte[])}, within {@code limits}. */
  static Result split(WasmModule module, byte[] bytes, Limits limits) {
    List<RawSection> sections = new ArrayList<>();
    Parser.parseWithoutDecoding(bytes, section -> sections.add((RawSection) section));
    RawSection code = find(sections, SectionId.CODE);
    RawSection types = find(sections, SectionId.TYPE);
    if (code == null || types == null || !plainFunctionTypes(types.contents())) {
      return null;
    }
    FunctionSplitter splitter = new FunctionSplitter(module, limits);
    byte[] newCode = splitter.splitCode(code.contents());
    if (newCode == null) {
      return null;
    }
    WasmWriter writer = new WasmWriter();
    boolean globalsWritten = false;
    for (RawSection section : sections) {
      int id = section.sectionId();
      if (!globalsWritten && !splitter.scratchTypes.isEmpty() && id != SectionId.CUSTOM && globalsGoBefore(id)) {
        writer.writeSection(SectionId.GLOBAL, splitter.globals(null));
        globalsWritten = true;
      }
      if (id == SectionId.TYPE) {
        writer.writeSection(SectionId.TYPE, splitter.types(section.contents()));
      } else if (id == SectionId.FUNCTION) {
        writer.writeSection(SectionId.FUNCTION, splitter.functions(section.contents()));
      } else if (id == SectionId.GLOBAL) {
        writer.writeSection(SectionId.GLOBAL, splitter.globals(section.contents()));
        globalsWritten = true;
      } else if (id == SectionId.CODE) {
        writer.writeSection(SectionId.CODE, newCode);
      } else if (id == SectionId.CUSTOM && isNameSection(section.contents())) {
        writer.writeSection(SectionId.CUSTOM, splitter.names(section.contents()));
      } else {
        writer.writeSection(section);
      }
    }
    writer.writeSection(SectionId.CUSTOM, splitter.originalCodeStarts());
    return new Result(writer.bytes(), splitter.functionsSplit, splitter.newFunctions.size());
  }

  private static RawSection find(List<RawSection> sections, int id) {
    return sections.stream().filter(s -> s.sectionId() == id).findFirst().orElse(null);
  }

  /** Whether a global section belongs before section {@code id} (export, start, element, data count, code, data). */
  private static boolean globalsGoBefore(int id) {
    return id == SectionId.EXPORT || id == SectionId.START || id == SectionId.ELEMENT || id == SectionId.DATA_COUNT
        || id == SectionId.CODE || id == SectionId.DATA;
  }

  private static boolean plainFunctionTypes(byte[] contents) {
    ByteBuffer in = ByteBuffer.wrap(contents);
    long count = Encoding.readVarUInt32(in);
    for (long i = 0; i < count; i++) {
      if (in.get() != FUNC_TYPE) {
        return false; // a rec group or GC type: the count is not the number of function types
      }
      for (int vec = 0; vec < 2; vec++) {
        long n = Encoding.readVarUInt32(in);
        for (long j = 0; j < n; j++) {
          int t = in.get() & 0xff;
          if (t == 0x63 || t == 0x64) {
            return false; // a typed reference: its heap type follows
          }
        }
      }
    }
    return true;
  }

  private static boolean isNameSection(byte[] contents) {
    ByteBuffer in = ByteBuffer.wrap(contents);
    int length = (int) Encoding.readVarUInt32(in);
    return length == 4 && new String(contents, in.position(), 4, StandardCharsets.UTF_8).equals("name");
  }

  // ---- sections that grow

  private byte[] types(byte[] contents) {
    return appendEntries(contents, newTypes.size(), out -> newTypes.keySet().forEach(t -> out.writeBytes(latin1(t))));
  }

  private byte[] functions(byte[] contents) {
    return appendEntries(contents, newFunctions.size(),
        out -> newFunctions.forEach(f -> WasmWriter.writeVarUInt32(out, f.type())));
  }

  private byte[] globals(byte[] contents) {
    return appendEntries(contents == null ? new byte[] {0} : contents, scratchTypes.size(), out -> {
      for (int type : scratchTypes) {
        out.write(type);
        out.write(1); // mutable
        out.write(type == I32 ? 0x41 : type == I64 ? 0x42 : type == F32 ? 0x43 : 0x44);
        out.write(0);
        if (type == F32 || type == F64) {
          out.write(new byte[type == F32 ? 3 : 7], 0, type == F32 ? 3 : 7); // the rest of the zero constant
        }
        out.write(END);
      }
    });
  }

  private interface Entries {
    void write(ByteArrayOutputStream out);
  }

  /** A vector section's contents with {@code added} more entries written by {@code entries}. */
  private static byte[] appendEntries(byte[] contents, int added, Entries entries) {
    ByteBuffer in = ByteBuffer.wrap(contents);
    long count = Encoding.readVarUInt32(in);
    ByteArrayOutputStream out = new ByteArrayOutputStream(contents.length + 64);
    WasmWriter.writeVarUInt32(out, (int) (count + added));
    out.write(contents, in.position(), contents.length - in.position());
    entries.write(out);
    return out.toByteArray();
  }

  /** The name section with the parts named after their functions (the function-name map is sorted by index). */
  private byte[] names(byte[] contents) {
    ByteBuffer in = ByteBuffer.wrap(contents);
    int nameLength = (int) Encoding.readVarUInt32(in);
    in.position(in.position() + nameLength);
    ByteArrayOutputStream out = new ByteArrayOutputStream(contents.length + 64 * newFunctions.size());
    out.write(contents, 0, in.position());
    while (in.hasRemaining()) {
      int id = in.get() & 0xff;
      int size = (int) Encoding.readVarUInt32(in);
      byte[] sub = Arrays.copyOfRange(contents, in.position(), in.position() + size);
      in.position(in.position() + size);
      if (id == 1) {
        Map<Integer, String> known = functionNames(sub);
        sub = appendEntries(sub, newFunctions.size(), o -> {
          for (int p = 0; p < newFunctions.size(); p++) {
            NewFunction part = newFunctions.get(p);
            String base = known.getOrDefault(part.from(), "func_" + part.from());
            byte[] name = (base + ".part" + part.number()).getBytes(StandardCharsets.UTF_8);
            WasmWriter.writeVarUInt32(o, functionImports + definedFunctions + p);
            WasmWriter.writeVarUInt32(o, name.length);
            o.write(name, 0, name.length);
          }
        });
      }
      out.write(id);
      WasmWriter.writeVarUInt32(out, sub.length);
      out.write(sub, 0, sub.length);
    }
    return out.toByteArray();
  }

  private static Map<Integer, String> functionNames(byte[] sub) {
    ByteBuffer in = ByteBuffer.wrap(sub);
    long count = Encoding.readVarUInt32(in);
    Map<Integer, String> names = new java.util.HashMap<>();
    for (long i = 0; i < count; i++) {
      int index = (int) Encoding.readVarUInt32(in);
      int length = (int) Encoding.readVarUInt32(in);
      names.put(index, new String(sub, in.position(), length, StandardCharsets.UTF_8));
      in.position(in.position() + length);
    }
    return names;
  }

  // ---- the code section

  /** The "skiff.split" section: where each original body's first instruction was in the code section. */
  private byte[] originalCodeStarts() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8 + 4 * codeStarts.length);
    byte[] name = DwarfLines.SPLIT_SECTION.getBytes(StandardCharsets.UTF_8);
    WasmWriter.writeVarUInt32(out, name.length);
    out.write(name, 0, name.length);
    WasmWriter.writeVarUInt32(out, codeStarts.length);
    for (int start : codeStarts) {
      WasmWriter.writeVarUInt32(out, start);
    }
    return out.toByteArray();
  }

  private int[] codeStarts = new int[0];

  /** The code section with large bodies split and the parts appended; null when nothing was split. */
  private byte[] splitCode(byte[] contents) {
    ByteBuffer in = ByteBuffer.wrap(contents);
    int count = (int) Encoding.readVarUInt32(in);
    List<byte[]> bodies = new ArrayList<>(count);
    codeStarts = new int[count];
    boolean changed = false;
    for (int i = 0; i < count; i++) {
      int size = (int) Encoding.readVarUInt32(in);
      codeStarts[i] = firstInstruction(contents, in.position());
      byte[] body = Arrays.copyOfRange(contents, in.position(), in.position() + size);
      in.position(in.position() + size);
      if (size > limits.splitAbove()) {
        byte[] split = splitFunction(functionImports + i, body);
        if (split != null) {
          body = split;
          changed = true;
          functionsSplit++;
        }
      }
      bodies.add(body);
    }
    if (!changed) {
      return null;
    }
    newFunctions.forEach(f -> bodies.add(f.body()));
    ByteArrayOutputStream out = new ByteArrayOutputStream(contents.length + 1024);
    WasmWriter.writeVarUInt32(out, bodies.size());
    for (byte[] body : bodies) {
      WasmWriter.writeVarUInt32(out, body.length);
      out.write(body, 0, body.length);
    }
    return out.toByteArray();
  }

  /** Where the first instruction of the body at {@code at} is: after its vector of locals. */
  private static int firstInstruction(byte[] contents, int at) {
    ByteBuffer in = ByteBuffer.wrap(contents);
    in.position(at);
    long groups = Encoding.readVarUInt32(in);
    for (long g = 0; g < groups; g++) {
      Encoding.readVarUInt32(in);
      int type = in.get() & 0xff;
      if (type == 0x63 || type == 0x64) {
        Encoding.readVarSInt64(in); // a typed reference's heap type
      }
    }
    return in.position();
  }

  /** The body of function {@code index} with parts moved out until it is small enough; null if none moved. */
  private byte[] splitFunction(int index, byte[] body) {
    FunctionType type = module.typeSection().getType(module.functionSection().getFunctionType(index - functionImports));
    byte[] current = body;
    int parts = 0;
    for (int round = 0; round < MAX_ROUNDS && current.length > limits.target(); round++) {
      Body decoded = Body.decode(current, type, module);
      if (decoded == null) {
        break; // holds something this pass does not know
      }
      List<Part> chosen = decoded.choose(limits);
      if (chosen.isEmpty()) {
        break;
      }
      int partsMade = newFunctions.size();
      byte[] next = rewrite(index, decoded, chosen, parts);
      if (next.length > current.length - limits.minPart()) {
        // the calls cost about what the parts saved (wide local indices): a round more would loop, and
        // this round's parts are dropped, since the body that would call them is
        newFunctions.subList(partsMade, newFunctions.size()).clear();
        break;
      }
      current = next;
      parts += chosen.size();
    }
    return parts == 0 ? null : current;
  }

  /** {@code body} with each of {@code chosen} (in order, disjoint) replaced by a call to a new function. */
  private byte[] rewrite(int index, Body body, List<Part> chosen, int partsBefore) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.bytes.length);
    out.write(body.bytes, 0, body.codeStart); // the locals
    int copied = body.codeStart;
    int n = partsBefore;
    for (Part part : chosen) {
      int from = body.pos[part.first];
      out.write(body.bytes, copied, from - copied);
      int function = functionImports + definedFunctions + newFunctions.size();
      newFunctions.add(new NewFunction(typeIndex(part.signature(body)), partBody(body, part), index, ++n));
      callSequence(out, body, part, function);
      copied = body.pos[part.last + 1];
    }
    out.write(body.bytes, copied, body.bytes.length - copied);
    return out.toByteArray();
  }

  private int typeIndex(byte[] signature) {
    return newTypes.computeIfAbsent(new String(signature, StandardCharsets.ISO_8859_1),
        s -> existingTypes + newTypes.size());
  }

  private static byte[] latin1(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Scratch global {@code slot} of value type {@code type}, made on first use. */
  private int scratchGlobal(int type, int slot) {
    int t = I32 - type; // I32..F64 are 0x7f..0x7c
    if (slot >= scratch[t].length) {
      int[] grown = Arrays.copyOf(scratch[t], slot + 1);
      for (int s = scratch[t].length; s <= slot; s++) {
        grown[s] = globalImports + definedGlobals + scratchTypes.size();
        scratchTypes.add(type);
      }
      scratch[t] = grown;
    }
    return scratch[t][slot];
  }

  /**
   * Scratch globals for {@code locals}, one each, in local order. The same globals carry a part's
   * inputs and its outputs: it reads the inputs first thing and writes the outputs last.
   */
  private int[] scratchGlobals(Body body, BitSet locals) {
    int[] globals = new int[locals.cardinality()];
    int[] used = new int[4];
    int g = 0;
    for (int local = locals.nextSetBit(0); local >= 0; local = locals.nextSetBit(local + 1)) {
      int type = body.localTypes[local];
      globals[g++] = scratchGlobal(type, used[I32 - type]++);
    }
    return globals;
  }

  /**
   * Where the part was: put the inputs that do not fit its parameters in globals, push the condition
   * (already there for an if) and its parameters, call it, take back the locals it wrote, and branch
   * where its exit code says.
   */
  private void callSequence(ByteArrayOutputStream out, Body body, Part part, int function) {
    int exits = part.exits.size();
    // Chicory 1.7.5 miscompiles some branches to a function's own label (a br_if to it before a block
    // at the function's end fails to compile), so an exit that returns does so with a return
    boolean returns = part.exits.contains(0);
    if (exits > 2 && returns) {
      out.write(BLOCK); // after it: go on
      out.write(EMPTY);
      out.write(BLOCK); // after it: return
      out.write(EMPTY);
    }
    if (exits > 2) { // the exit code must be on the block's own stack for its br_table: 0 ends the block
      out.write(BLOCK);
      out.write(EMPTY);
    }
    moveThroughGlobals(out, part.carried, scratchGlobals(body, part.carried), null, true);
    for (int local = part.params.nextSetBit(0); local >= 0; local = part.params.nextSetBit(local + 1)) {
      out.write(LOCAL_GET);
      WasmWriter.writeVarUInt32(out, local);
    }
    out.write(CALL);
    WasmWriter.writeVarUInt32(out, function);
    moveThroughGlobals(out, part.written, scratchGlobals(body, part.written), null, false);
    if (exits == 2 && returns) {
      out.write(IF);
      out.write(EMPTY);
      out.write(RETURN);
      out.write(END);
    } else if (exits == 2) {
      out.write(BR_IF);
      WasmWriter.writeVarUInt32(out, part.baseDepth - body.depth[part.exits.get(1)]);
    } else if (exits > 2) {
      int around = returns ? 3 : 1;
      out.write(BR_TABLE);
      WasmWriter.writeVarUInt32(out, exits);
      out.write(0);
      for (int e = 1; e < exits; e++) {
        int target = part.exits.get(e);
        WasmWriter.writeVarUInt32(out, target == 0 ? 1 : part.baseDepth - body.depth[target] + around);
      }
      out.write(0);
      out.write(END);
      if (returns) {
        out.write(BR);
        out.write(1);
        out.write(END);
        out.write(RETURN);
        out.write(END);
      }
    }
  }

  /**
   * The new function: its code inside one block per exit, so that a branch out of the part lands at the
   * end of the block of its exit, which sets the exit code; then the written locals go to the scratch
   * globals.
   */
  private byte[] partBody(Body body, Part part) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.pos[part.last + 1] - body.pos[part.first] + 64);
    int exits = part.exits.size();
    boolean codeLocal = exits > 1 && !part.written.isEmpty();
    // parameters: the condition of an if, then the inputs that fit; declared: the other locals it uses
    int[] newIndex = new int[body.localTypes.length];
    int p = part.isIf ? 1 : 0;
    for (int local = part.params.nextSetBit(0); local >= 0; local = part.params.nextSetBit(local + 1)) {
      newIndex[local] = p++;
    }
    BitSet declared = (BitSet) part.used.clone();
    declared.andNot(part.params);
    WasmWriter.writeVarUInt32(out, declared.cardinality() + (codeLocal ? 1 : 0));
    for (int local = declared.nextSetBit(0); local >= 0; local = declared.nextSetBit(local + 1)) {
      newIndex[local] = p++;
      out.write(1);
      out.write(body.localTypes[local]);
    }
    int codeIndex = p;
    if (codeLocal) {
      out.write(1);
      out.write(I32);
    }
    moveThroughGlobals(out, part.carried, scratchGlobals(body, part.carried), newIndex, false);
    if (exits > 1) {
      out.write(BLOCK);
      out.write(I32);
    }
    for (int e = exits - 1; e >= 0; e--) {
      out.write(BLOCK);
      out.write(EMPTY);
    }
    if (part.isIf) {
      out.write(LOCAL_GET);
      out.write(0);
    }
    for (int k = part.first; k <= part.last; k++) {
      int op = body.op[k];
      int relative = body.depth[body.enclosing[k]] - part.baseDepth; // constructs of the part around k
      if (op == LOCAL_GET || op == LOCAL_SET || op == LOCAL_TEE) {
        out.write(op);
        WasmWriter.writeVarUInt32(out, newIndex[body.immediate[k]]);
      } else if (op == BR || op == BR_IF || op == BR_TABLE || op == RETURN) {
        int[] targets = body.targets[k];
        int[] labels = new int[targets.length];
        for (int t = 0; t < targets.length; t++) {
          int target = targets[t];
          labels[t] = part.inside(body, target)
              ? body.depth[body.enclosing[k]] - body.depth[target]
              : relative + part.exits.indexOf(part.exitOf(body, target));
        }
        if (op == BR_TABLE) {
          out.write(BR_TABLE);
          WasmWriter.writeVarUInt32(out, labels.length - 1);
          for (int label : labels) {
            WasmWriter.writeVarUInt32(out, label);
          }
        } else {
          out.write(op == RETURN ? BR : op);
          WasmWriter.writeVarUInt32(out, labels[0]);
        }
      } else {
        out.write(body.bytes, body.pos[k], body.pos[k + 1] - body.pos[k]);
      }
    }
    for (int e = 0; e < exits; e++) {
      out.write(END);
      if (exits > 1) {
        out.write(I32_CONST);
        writeSignedVarInt(out, e);
        if (e < exits - 1) {
          out.write(BR);
          WasmWriter.writeVarUInt32(out, exits - 1 - e);
        }
      }
    }
    if (exits > 1) {
      out.write(END);
    }
    if (codeLocal) {
      out.write(LOCAL_SET);
      WasmWriter.writeVarUInt32(out, codeIndex);
    }
    moveThroughGlobals(out, part.written, scratchGlobals(body, part.written), newIndex, true);
    if (codeLocal) {
      out.write(LOCAL_GET);
      WasmWriter.writeVarUInt32(out, codeIndex);
    }
    out.write(END);
    return out.toByteArray();
  }

  /**
   * For each of {@code locals}, in order, moves the local (its index in the part: {@code index}, or as
   * is when null) to its global, or back.
   */
  private static void moveThroughGlobals(ByteArrayOutputStream out, BitSet locals, int[] globals, int[] index,
      boolean toGlobals) {
    int g = 0;
    for (int local = locals.nextSetBit(0); local >= 0; local = locals.nextSetBit(local + 1)) {
      int at = index == null ? local : index[local];
      out.write(toGlobals ? LOCAL_GET : GLOBAL_GET);
      WasmWriter.writeVarUInt32(out, toGlobals ? at : globals[g]);
      out.write(toGlobals ? GLOBAL_SET : LOCAL_SET);
      WasmWriter.writeVarUInt32(out, toGlobals ? globals[g] : at);
      g++;
    }
  }

  private static void writeSignedVarInt(ByteArrayOutputStream out, int value) {
    while (true) {
      int b = value & 0x7f;
      value >>= 7;
      if ((value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0)) {
        out.write(b);
        return;
      }
      out.write(b | 0x80);
    }
  }

  // ---- reading a body

  /**
   * A piece of a body that can become a function: instructions {@code first..last}, inside constructs
   * at depth {@code baseDepth}; either a construct of empty type, or the tail of construct {@code tailOf}.
   */
  static final class Part {
    final int first;
    final int last;
    final int baseDepth;
    /** The construct the part is, or -1 for a tail. */
    final int construct;
    /** The construct whose tail the part is, or -1. */
    final int tailOf;
    final boolean isIf;
    /** Locals the part reads or writes, and those it writes. */
    final BitSet used = new BitSet();
    final BitSet written = new BitSet();
    /** Locals whose value on entry it may read: passed as parameters, or in globals beyond the cap. */
    final BitSet params = new BitSet();
    final BitSet carried = new BitSet();
    /** The constructs outside the part it branches to, by exit code; exit 0 is falling off its end. */
    final List<Integer> exits = new ArrayList<>();
    int size;
    /** Whether it holds a dispatching br_table (see {@link #DISPATCH_LABELS}). */
    boolean dispatches;

    Part(int first, int last, int baseDepth, int construct, int tailOf, boolean isIf) {
      this.first = first;
      this.last = last;
      this.baseDepth = baseDepth;
      this.construct = construct;
      this.tailOf = tailOf;
      this.isIf = isIf;
      exits.add(-1);
    }

    boolean inside(Body body, int target) {
      int start = body.start[target];
      return start >= first && start <= last;
    }

    /** The exit a branch to {@code target} (outside the part) takes: a tail's own block ends where it does. */
    int exitOf(Body body, int target) {
      return tailOf >= 0 && target == tailOf && body.kind[target] != LOOP ? -1 : target;
    }

    int callSequenceSize() {
      return 2 * params.cardinality() + 4 + 4 * (written.cardinality() + carried.cardinality())
          + (exits.size() > 2 ? exits.size() + 6 : 3);
    }

    /** The part's function type, encoded: (condition?, used locals) -> (exit code?). */
    byte[] signature(Body body) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(FUNC_TYPE);
      WasmWriter.writeVarUInt32(out, params.cardinality() + (isIf ? 1 : 0));
      if (isIf) {
        out.write(I32);
      }
      for (int local = params.nextSetBit(0); local >= 0; local = params.nextSetBit(local + 1)) {
        out.write(body.localTypes[local]);
      }
      if (exits.size() > 1) {
        out.write(1);
        out.write(I32);
      } else {
        out.write(0);
      }
      return out.toByteArray();
    }
  }

  /** A decoded body: its instructions and the constructs (block, loop, if; 0 is the function) they form. */
  static final class Body {
    final byte[] bytes;
    int codeStart;
    int[] localTypes;
    // instructions
    int count;
    int[] op = new int[1024];
    int[] pos = new int[1025];
    int[] immediate = new int[1024];
    int[][] targets = new int[1024][];
    int[] enclosing = new int[1024];
    /** The construct a block, loop or if instruction opens; -1 for other instructions. */
    int[] opens = new int[1024];
    // constructs
    int constructs;
    int[] kind = new int[64];
    int[] start = new int[64];
    int[] end = new int[64];
    int[] depth = new int[64];
    int[] parent = new int[64];
    int[] arity = new int[64];
    boolean[] emptyType = new boolean[64];
    int[] elseAt = new int[64];
    /**
     * The locals live before each instruction (and after the last), {@code words} longs each; null when
     * the function is too large for it, and then every local a part uses is an input and every one it
     * writes an output.
     */
    long[] live;
    int words;

    private Body(byte[] bytes) {
      this.bytes = bytes;
    }

    /** The body of a function of {@code type}; null when it holds what this pass does not know. */
    static Body decode(byte[] bytes, FunctionType type, WasmModule module) {
      Body body = new Body(bytes);
      return body.read(type, module) ? body : null;
    }

    private boolean read(FunctionType type, WasmModule module) {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      List<Integer> locals = new ArrayList<>();
      for (ValType param : type.params()) {
        if (!numeric(param.opcode())) {
          return false;
        }
        locals.add(param.opcode());
      }
      long groups = Encoding.readVarUInt32(in);
      for (long g = 0; g < groups; g++) {
        long n = Encoding.readVarUInt32(in);
        int t = in.get() & 0xff;
        if (!numeric(t) || locals.size() + n > 50_000) {
          return false;
        }
        for (long i = 0; i < n; i++) {
          locals.add(t);
        }
      }
      localTypes = locals.stream().mapToInt(Integer::intValue).toArray();
      codeStart = in.position();
      // construct 0: the function, a block of the function's results
      int[] stack = new int[16];
      int top = 0;
      newConstruct(0, -1, -1, type.returns().size(), type.returns().isEmpty());
      stack[0] = 0;
      while (in.hasRemaining()) {
        int k = count++;
        grow();
        pos[k] = in.position();
        int op = in.get() & 0xff;
        this.op[k] = op;
        enclosing[k] = stack[top];
        opens[k] = -1;
        switch (op) {
          case BLOCK, LOOP, IF -> {
            int params;
            int results;
            int bt = in.get(in.position()) & 0xff;
            if (bt == EMPTY) {
              in.get();
              params = 0;
              results = 0;
            } else if (numeric(bt) || bt == 0x70 || bt == 0x6f || bt == 0x7b) {
              in.get();
              params = 0;
              results = 1;
            } else if (bt == 0x63 || bt == 0x64) {
              return false;
            } else {
              long index = Encoding.readVarSInt64(in);
              if (index < 0 || index >= module.typeSection().typeCount()) {
                return false;
              }
              FunctionType bType = module.typeSection().getType((int) index);
              params = bType.params().size();
              results = bType.returns().size();
            }
            int c = newConstruct(op, k, stack[top], op == LOOP ? params : results, params == 0 && results == 0);
            opens[k] = c;
            if (++top == stack.length) {
              stack = Arrays.copyOf(stack, stack.length * 2);
            }
            stack[top] = c;
          }
          case ELSE -> elseAt[stack[top]] = k;
          case END -> {
            end[stack[top]] = k;
            if (top == 0) {
              pos[count] = in.position();
              if (in.hasRemaining()) {
                return false;
              }
              liveness();
              return true;
            }
            top--;
          }
          case BR, BR_IF -> {
            int label = (int) Encoding.readVarUInt32(in);
            if (label > top) {
              return false;
            }
            targets[k] = new int[] {stack[top - label]};
          }
          case BR_TABLE -> {
            int n = (int) Encoding.readVarUInt32(in);
            int[] t = new int[n + 1];
            for (int i = 0; i <= n; i++) {
              int label = (int) Encoding.readVarUInt32(in);
              if (label > top) {
                return false;
              }
              t[i] = stack[top - label];
            }
            targets[k] = t;
          }
          case RETURN -> targets[k] = new int[] {0};
          case LOCAL_GET, LOCAL_SET, LOCAL_TEE -> {
            immediate[k] = (int) Encoding.readVarUInt32(in);
            if (immediate[k] >= localTypes.length) {
              return false;
            }
          }
          default -> {
            if (!skipImmediates(op, in)) {
              return false;
            }
          }
        }
      }
      return false; // no final end
    }

    /** Where a branch to construct {@code c} goes: a loop's first instruction, else the construct's end. */
    int destination(int c) {
      return kind[c] == LOOP ? start[c] + 1 : end[c];
    }

    /** Backward liveness of the locals over the body's control flow, to a fixed point. */
    private void liveness() {
      words = (localTypes.length + 63) >>> 6;
      if ((long) words * (count + 1) > 4_000_000) {
        return; // 32 MB: too large to be worth it
      }
      live = new long[(count + 1) * words];
      long[] out = new long[words];
      boolean changed = true;
      while (changed) {
        changed = false;
        for (int k = count - 1; k >= 0; k--) {
          Arrays.fill(out, 0);
          int o = op[k];
          if (o == BR || o == BR_IF || o == BR_TABLE) {
            for (int target : targets[k]) {
              or(out, destination(target));
            }
            if (o == BR_IF) {
              or(out, k + 1);
            }
          } else if (o == IF) {
            int c = opens[k];
            or(out, k + 1);
            or(out, elseAt[c] >= 0 ? elseAt[c] + 1 : end[c]);
          } else if (o == ELSE) {
            or(out, end[enclosing[k]]);
          } else if (o != RETURN && o != 0x00 && k != count - 1) { // unreachable and the final end: none
            or(out, k + 1);
          }
          if (o == LOCAL_GET) {
            out[immediate[k] >>> 6] |= 1L << immediate[k];
          } else if (o == LOCAL_SET || o == LOCAL_TEE) {
            out[immediate[k] >>> 6] &= ~(1L << immediate[k]);
          }
          int at = k * words;
          for (int w = 0; w < words; w++) {
            if (live[at + w] != out[w]) {
              live[at + w] = out[w];
              changed = true;
            }
          }
        }
      }
    }

    private void or(long[] into, int instruction) {
      int at = instruction * words;
      for (int w = 0; w < words; w++) {
        into[w] |= live[at + w];
      }
    }

    /** The locals of {@code among} live before {@code instruction}. */
    private BitSet liveAt(int instruction, BitSet among) {
      BitSet result = BitSet.valueOf(Arrays.copyOfRange(live, instruction * words, (instruction + 1) * words));
      result.and(among);
      return result;
    }

    private static boolean numeric(int t) {
      return t == I32 || t == I64 || t == F32 || t == F64;
    }

    private int newConstruct(int k, int at, int parentConstruct, int labelArity, boolean empty) {
      int c = constructs++;
      if (c == kind.length) {
        int n = c * 2;
        kind = Arrays.copyOf(kind, n);
        start = Arrays.copyOf(start, n);
        end = Arrays.copyOf(end, n);
        depth = Arrays.copyOf(depth, n);
        parent = Arrays.copyOf(parent, n);
        arity = Arrays.copyOf(arity, n);
        emptyType = Arrays.copyOf(emptyType, n);
        elseAt = Arrays.copyOf(elseAt, n);
      }
      kind[c] = k;
      start[c] = at;
      parent[c] = parentConstruct;
      depth[c] = parentConstruct < 0 ? 0 : depth[parentConstruct] + 1;
      arity[c] = labelArity;
      emptyType[c] = empty;
      elseAt[c] = -1;
      return c;
    }

    private void grow() {
      if (count == op.length) {
        int n = op.length * 2;
        op = Arrays.copyOf(op, n);
        pos = Arrays.copyOf(pos, n + 1);
        immediate = Arrays.copyOf(immediate, n);
        targets = Arrays.copyOf(targets, n);
        enclosing = Arrays.copyOf(enclosing, n);
        opens = Arrays.copyOf(opens, n);
      }
    }

    /** Skips the immediates of {@code op}; false for an instruction this pass does not know. */
    private static boolean skipImmediates(int op, ByteBuffer in) {
      if (op == 0x00 || op == 0x01 || op == 0x1a || op == 0x1b || op == 0xd1 || (op >= 0x45 && op <= 0xc4)) {
        return true;
      }
      switch (op) {
        case CALL, GLOBAL_GET, GLOBAL_SET, 0x25, 0x26, 0xd2 -> Encoding.readVarUInt32(in);
        case 0x11 -> { // call_indirect: type, table
          Encoding.readVarUInt32(in);
          Encoding.readVarUInt32(in);
        }
        case 0x1c -> { // select with types
          long n = Encoding.readVarUInt32(in);
          for (long i = 0; i < n; i++) {
            int t = in.get() & 0xff;
            if (t == 0x63 || t == 0x64) {
              return false;
            }
          }
        }
        case 0x3f, 0x40 -> Encoding.readVarUInt32(in); // memory.size, memory.grow: memory index
        case I32_CONST -> Encoding.readVarSInt32(in);
        case 0x42 -> Encoding.readVarSInt64(in);
        case 0x43 -> in.position(in.position() + 4);
        case 0x44 -> in.position(in.position() + 8);
        case 0xd0 -> {
          int t = in.get() & 0xff;
          if (t != 0x70 && t != 0x6f) {
            return false;
          }
        }
        case 0xfc -> {
          long sub = Encoding.readVarUInt32(in);
          if (sub <= 7) {
            return true;
          }
          int immediates = sub == 8 || sub == 10 || sub == 12 || sub == 14 ? 2 : sub <= 17 ? 1 : -1;
          if (immediates < 0) {
            return false;
          }
          for (int i = 0; i < immediates; i++) {
            Encoding.readVarUInt32(in);
          }
        }
        default -> {
          if (op >= 0x28 && op <= 0x3e) { // loads and stores: align (with a memory index flag), offset
            long align = Encoding.readVarUInt32(in);
            if ((align & 0x40) != 0) {
              Encoding.readVarUInt32(in);
            }
            Encoding.readUnsignedLeb128(in, Encoding.MAX_VARINT_LEN_64);
            return true;
          }
          return false;
        }
      }
      return true;
    }

    // ---- choosing parts

    /** Disjoint parts, in body order, whose moving brings the body to about the target size, largest first. */
    List<Part> choose(Limits limits) {
      List<Part> candidates = new ArrayList<>();
      for (int c = 1; c < constructs; c++) {
        if (emptyType[c]) {
          candidate(limits, new Part(start[c], end[c], depth[parent[c]], c, -1, kind[c] == IF), candidates);
        }
      }
      for (int c = 0; c < constructs; c++) {
        // the tail after a first block of empty type: the stack is empty where it starts
        int first = c == 0 ? 0 : start[c] + 1;
        if (kind[c] == IF || !emptyType[c] || first >= count || op[first] != BLOCK) {
          continue;
        }
        int inner = opens[first];
        if (inner < 0 || !emptyType[inner] || end[inner] + 1 >= end[c]) {
          continue;
        }
        candidate(limits, new Part(end[inner] + 1, end[c] - 1, depth[c], -1, c, false), candidates);
      }
      // the largest first, those holding a dispatch last
      candidates.sort(
          (a, b) ->
              a.dispatches != b.dispatches
                  ? Boolean.compare(a.dispatches, b.dispatches)
                  : Integer.compare(b.size, a.size));
      List<Part> chosen = new ArrayList<>();
      int size = bytes.length;
      for (Part part : candidates) {
        if (size <= (part.dispatches ? Math.max(limits.target(), limits.dispatchTarget()) : limits.target())) {
          if (part.dispatches) {
            break;
          }
          continue; // the parts holding a dispatch, after these, may still have to move
        }
        boolean overlaps = false;
        for (Part other : chosen) {
          if (part.first <= other.last && other.first <= part.last) {
            overlaps = true;
            break;
          }
        }
        if (!overlaps) {
          chosen.add(part);
          size -= part.size - part.callSequenceSize();
        }
      }
      chosen.sort((a, b) -> Integer.compare(a.first, b.first));
      return chosen;
    }

    /** Adds {@code part} when it can move: its size, and no branch out that carries values. */
    private void candidate(Limits limits, Part part, List<Part> candidates) {
      part.size = pos[part.last + 1] - pos[part.first];
      if (part.size < limits.minPart() || part.size > limits.partMax()) {
        return;
      }
      BitSet written = new BitSet();
      for (int k = part.first; k <= part.last; k++) {
        int o = op[k];
        if (o == LOCAL_GET || o == LOCAL_SET || o == LOCAL_TEE) {
          part.used.set(immediate[k]);
          if (o != LOCAL_GET) {
            written.set(immediate[k]);
          }
        } else if (targets[k] != null) {
          part.dispatches |= targets[k].length >= DISPATCH_LABELS;
          for (int target : targets[k]) {
            if (part.inside(this, target)) {
              continue;
            }
            if (arity[target] != 0) {
              return; // a branch that carries values out
            }
            int exit = part.exitOf(this, target);
            if (!part.exits.contains(exit)) {
              part.exits.add(exit);
            }
          }
        }
      }
      // inputs: the locals it uses that are live where it starts; outputs: those it writes that are live
      // where it can end (its end, or where a branch out of it goes; nothing is live after a return)
      BitSet inputs = part.used;
      if (live != null) {
        inputs = liveAt(part.first, part.used);
        BitSet liveOut = liveAt(part.last + 1, written);
        for (int exit : part.exits) {
          if (exit >= 0) {
            liveOut.or(liveAt(destination(exit), written));
          }
        }
        written = liveOut;
      }
      part.written.or(written);
      int slots = part.isIf ? 1 : 0;
      for (int local = inputs.nextSetBit(0); local >= 0; local = inputs.nextSetBit(local + 1)) {
        slots += localTypes[local] == I64 || localTypes[local] == F64 ? 2 : 1;
        (slots <= limits.parameterSlots() ? part.params : part.carried).set(local);
      }
      if (part.isIf && part.exits.size() > 2) {
        return; // its condition is on the stack where the block its br_table needs would start
      }
      if (part.size > part.callSequenceSize() + 32) {
        candidates.add(part);
      }
    }
  }
}
