package dev.skiff.internal;

import com.dylibso.chicory.wasm.Encoding;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.AnnotatedInstruction;
import com.dylibso.chicory.wasm.types.CustomSection;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionBody;
import com.dylibso.chicory.wasm.types.UnknownCustomSection;
import com.dylibso.chicory.wasm.types.ValType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Source file and line of a Wasm instruction from the module's DWARF {@code .debug_line} (versions
 * 2 to 5, as clang {@code -g} writes them). Only the line program is read: enough for
 * {@code file:line} in a trap's backtrace. Addresses in Wasm DWARF are offsets into the Code
 * section's payload; Chicory's instruction addresses are offsets into the module.
 */
public final class DwarfLines {
  private static final Map<WasmModule, DwarfLines> CACHE = new WeakHashMap<>();
  private static final DwarfLines NONE = new DwarfLines(new long[0], new String[0], new int[0], 0, null);

  /** Row start addresses (sorted), with the file and line that holds from there to the next row. */
  private final long[] addresses;
  private final String[] files;
  private final int[] lines;
  /** The module offset of the Code section's payload. */
  private final int codeOffset;
  /**
   * For a module with large functions split ({@link FunctionSplitter}): where each original body's
   * first instruction was in the original Code payload, which the DWARF describes; else null.
   */
  private final int[] originalStarts;

  /** The custom section of a split module that holds the original bodies' code offsets. */
  static final String SPLIT_SECTION = "skiff.split";

  private DwarfLines(long[] addresses, String[] files, int[] lines, int codeOffset, int[] originalStarts) {
    this.addresses = addresses;
    this.files = files;
    this.lines = lines;
    this.codeOffset = codeOffset;
    this.originalStarts = originalStarts;
  }

  /** The line table of a module, read once; empty when it has no (readable) {@code .debug_line}. */
  public static DwarfLines of(WasmModule module) {
    synchronized (CACHE) {
      return CACHE.computeIfAbsent(module, DwarfLines::read);
    }
  }

  /** {@code file:line} of the instruction at this module offset, or null when unknown. */
  public String at(int moduleOffset) {
    long address = moduleOffset - (long) codeOffset;
    int i = Arrays.binarySearch(addresses, address);
    if (i < 0) {
      i = -i - 2;
    }
    if (i < 0 || files[i] == null || lines[i] == 0) {
      return null;
    }
    return files[i] + ":" + lines[i];
  }

  /** {@code file:line} of the instruction with index {@code pc} in function {@code funcIndex}, or null. */
  public String at(WasmModule module, int funcIndex, int pc) {
    if (addresses.length == 0) {
      return null;
    }
    int body = funcIndex - Modules.importCount(module, ExternalType.FUNCTION);
    if (originalStarts != null) { // a split module: only the first row of an original function is known
      return pc == 0 && body >= 0 && body < originalStarts.length ? at(originalStarts[body] + codeOffset) : null;
    }
    if (body < 0 || body >= module.codeSection().functionBodyCount()) {
      return null;
    }
    List<AnnotatedInstruction> code = module.codeSection().getFunctionBody(body).instructions();
    if (code.isEmpty()) {
      return null;
    }
    return at(code.get(Math.max(0, Math.min(pc, code.size() - 1))).address());
  }

  private static DwarfLines read(WasmModule module) {
    byte[] section = custom(module, ".debug_line");
    if (section == null || module.codeSection() == null || module.codeSection().functionBodyCount() == 0) {
      return NONE;
    }
    try {
      byte[] split = custom(module, SPLIT_SECTION);
      int[] originalStarts = split == null ? null : originalStarts(split);
      int codeOffset = split == null ? codeOffset(module) : 0; // the rows of a split module are looked up by payload offset
      if (codeOffset < 0) {
        return NONE;
      }
      List<long[]> rows = new ArrayList<>();
      List<String> rowFiles = new ArrayList<>();
      Reader r = new Reader(section, custom(module, ".debug_line_str"), custom(module, ".debug_str"));
      while (r.pos < section.length) {
        r.unit(rows, rowFiles);
      }
      Integer[] order = new Integer[rows.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Long.compare(rows.get(a)[0], rows.get(b)[0]));
      long[] addresses = new long[order.length];
      String[] files = new String[order.length];
      int[] lines = new int[order.length];
      for (int i = 0; i < order.length; i++) {
        addresses[i] = rows.get(order[i])[0];
        lines[i] = (int) rows.get(order[i])[1];
        files[i] = rowFiles.get(order[i]);
      }
      return new DwarfLines(addresses, files, lines, codeOffset, originalStarts);
    } catch (RuntimeException e) {
      return NONE; // malformed debug info only costs the file:line, never the trap's message
    }
  }

  private static int[] originalStarts(byte[] section) {
    ByteBuffer in = ByteBuffer.wrap(section);
    long count = Encoding.readVarUInt32(in);
    if (count > in.remaining()) { // a byte per entry at least: a module may carry a section of this name
      throw new IllegalArgumentException("malformed " + SPLIT_SECTION + " section");
    }
    int[] starts = new int[(int) count];
    for (int i = 0; i < starts.length; i++) {
      starts[i] = (int) Encoding.readVarUInt32(in);
    }
    return starts;
  }

  private static byte[] custom(WasmModule module, String name) {
    for (CustomSection c : module.customSections()) {
      if (c.name().equals(name) && c instanceof UnknownCustomSection) {
        return ((UnknownCustomSection) c).bytes();
      }
    }
    return null;
  }

  /**
   * Chicory keeps no section offsets, so the Code payload's offset is worked back from the first
   * body: its first instruction's address less the locals' encoding, the body size and the function
   * count (all LEB128). The locals encoding assumes runs of one type in one group, as every producer
   * writes them; the second body's start must then agree, or no line is given rather than a wrong one.
   */
  static int codeOffset(WasmModule module) {
    FunctionBody[] bodies = module.codeSection().functionBodies();
    int offset = bodyStart(bodies[0]) - lebLength(bodies.length);
    if (bodies.length > 1) {
      List<AnnotatedInstruction> first = bodies[0].instructions();
      int afterFirst = first.get(first.size() - 1).address() + 1;
      if (afterFirst != bodyStart(bodies[1])) {
        return -1;
      }
    }
    return offset;
  }

  /** Where a body's size field starts, from its first instruction's address. */
  private static int bodyStart(FunctionBody body) {
    List<AnnotatedInstruction> code = body.instructions();
    int codeStart = code.get(0).address();
    int codeLength = code.get(code.size() - 1).address() + 1 - codeStart;
    int locals = localsLength(body.localTypes());
    return codeStart - locals - lebLength(locals + codeLength);
  }

  private static int localsLength(List<ValType> types) {
    int groups = 0;
    int length = 0;
    for (int i = 0; i < types.size(); ) {
      int j = i;
      while (j < types.size() && types.get(j).equals(types.get(i))) {
        j++;
      }
      groups++;
      length += lebLength(j - i) + 1;
      i = j;
    }
    return lebLength(groups) + length;
  }

  private static int lebLength(long v) {
    int n = 1;
    while ((v >>>= 7) != 0) {
      n++;
    }
    return n;
  }

  /** Reads line-program units into rows of {address, line} and their file names. */
  private static final class Reader {
    private final byte[] b;
    private final byte[] lineStr;
    private final byte[] str;
    int pos;

    Reader(byte[] b, byte[] lineStr, byte[] str) {
      this.b = b;
      this.lineStr = lineStr;
      this.str = str;
    }

    void unit(List<long[]> rows, List<String> rowFiles) {
      long length = u32();
      boolean dwarf64 = length == 0xffffffffL;
      if (dwarf64) {
        length = u64();
      }
      int end = Math.toIntExact(pos + length);
      int version = u16();
      if (version < 2 || version > 5) {
        pos = end;
        return;
      }
      int addressSize = 4;
      if (version >= 5) {
        addressSize = u8();
        u8(); // segment selector size
      }
      long headerLength = dwarf64 ? u64() : u32();
      int program = Math.toIntExact(pos + headerLength);
      int minInst = u8();
      if (version >= 4) {
        u8(); // maximum operations per instruction: 1 outside VLIW
      }
      u8(); // default_is_stmt: every row counts for a backtrace
      int lineBase = (byte) u8();
      int lineRange = u8();
      int opcodeBase = u8();
      int[] standardLengths = new int[opcodeBase];
      for (int i = 1; i < opcodeBase; i++) {
        standardLengths[i] = u8();
      }
      List<String> dirs = new ArrayList<>();
      List<String> fileNames = new ArrayList<>();
      if (version >= 5) {
        for (String[] e : entries(dwarf64)) {
          dirs.add(e[0]);
        }
        for (String[] e : entries(dwarf64)) {
          fileNames.add(join(dirs, e[0], e[1] == null ? 0 : Integer.parseInt(e[1])));
        }
      } else {
        dirs.add(null); // index 0: the compilation directory, not recorded here
        for (String d = cstring(); !d.isEmpty(); d = cstring()) {
          dirs.add(d);
        }
        fileNames.add(null); // files count from 1 before DWARF 5
        for (String f = cstring(); !f.isEmpty(); f = cstring()) {
          int dir = (int) uleb();
          uleb(); // modification time
          uleb(); // length
          fileNames.add(join(dirs, f, dir));
        }
      }
      pos = program;
      long address = 0;
      long line = 1;
      int file = 1;
      boolean tombstone = false;
      List<long[]> sequence = new ArrayList<>();
      List<String> sequenceFiles = new ArrayList<>();
      while (pos < end) {
        int op = u8();
        boolean emit = false;
        if (op >= opcodeBase) {
          int adjusted = op - opcodeBase;
          address += (long) (adjusted / lineRange) * minInst;
          line += lineBase + adjusted % lineRange;
          emit = true;
        } else if (op == 0) {
          int len = (int) uleb();
          int next = pos + len;
          int sub = len == 0 ? -1 : u8();
          if (sub == 1) { // end_sequence: keep the sequence unless the linker dropped its function
            if (!tombstone) {
              rows.addAll(sequence);
              rowFiles.addAll(sequenceFiles);
              rows.add(new long[] {address, 0});
              rowFiles.add(null);
            }
            sequence.clear();
            sequenceFiles.clear();
            address = 0;
            line = 1;
            file = 1;
            tombstone = false;
          } else if (sub == 2) {
            address = addressSize == 8 ? u64() : u32();
            // a function removed by the linker keeps its rows at address 0 or ~0
            tombstone = address == 0 || address == 0xffffffffL || address == -1L;
          }
          pos = next;
        } else {
          switch (op) {
            case 1: emit = true; break;
            case 2: address += uleb() * minInst; break;
            case 3: line += sleb(); break;
            case 4: file = (int) uleb(); break;
            case 5: uleb(); break;
            case 8: address += (long) ((255 - opcodeBase) / lineRange) * minInst; break;
            case 9: address += u16(); break;
            case 12: uleb(); break;
            case 6: case 7: case 10: case 11: break;
            default:
              for (int i = 0; i < standardLengths[op]; i++) {
                uleb();
              }
          }
        }
        if (emit) {
          sequence.add(new long[] {address, line});
          sequenceFiles.add(file >= 0 && file < fileNames.size() ? fileNames.get(file) : null);
        }
      }
      pos = end;
    }

    /** DWARF 5 directory or file entries: {path, directory index or null}. */
    private List<String[]> entries(boolean dwarf64) {
      int formatCount = u8();
      long[][] formats = new long[formatCount][2];
      for (int i = 0; i < formatCount; i++) {
        formats[i][0] = uleb();
        formats[i][1] = uleb();
      }
      int count = (int) uleb();
      List<String[]> out = new ArrayList<>(count);
      for (int n = 0; n < count; n++) {
        String path = null;
        String dir = null;
        for (long[] f : formats) {
          Object v = form((int) f[1], dwarf64);
          if (f[0] == 1) { // DW_LNCT_path
            path = (String) v;
          } else if (f[0] == 2) { // DW_LNCT_directory_index
            dir = String.valueOf(v);
          }
        }
        out.add(new String[] {path, dir});
      }
      return out;
    }

    private Object form(int form, boolean dwarf64) {
      switch (form) {
        case 0x08: return cstring(); // string
        case 0x1f: return at(lineStr, (int) (dwarf64 ? u64() : u32())); // line_strp
        case 0x0e: return at(str, (int) (dwarf64 ? u64() : u32())); // strp
        case 0x0b: return (long) u8(); // data1
        case 0x05: return (long) u16(); // data2
        case 0x06: return u32(); // data4
        case 0x07: return u64(); // data8
        case 0x0f: return uleb(); // udata
        case 0x1e: pos += 16; return null; // data16 (MD5)
        case 0x09: pos += (int) uleb(); return null; // block
        default: throw new IllegalArgumentException("unsupported DWARF form 0x" + Integer.toHexString(form));
      }
    }

    private static String at(byte[] strings, int offset) {
      if (strings == null) {
        return null;
      }
      int e = offset;
      while (e < strings.length && strings[e] != 0) {
        e++;
      }
      return new String(strings, offset, e - offset, StandardCharsets.UTF_8);
    }

    private static String join(List<String> dirs, String name, int dir) {
      if (name == null) {
        return null;
      }
      String d = dir >= 0 && dir < dirs.size() ? dirs.get(dir) : null;
      if (d == null || d.isEmpty() || name.startsWith("/") || d.equals(".")) {
        return name;
      }
      return d + "/" + name;
    }

    private String cstring() {
      int start = pos;
      while (b[pos] != 0) {
        pos++;
      }
      return new String(b, start, pos++ - start, StandardCharsets.UTF_8);
    }

    private int u8() {
      return b[pos++] & 0xff;
    }

    private int u16() {
      return u8() | u8() << 8;
    }

    private long u32() {
      return (u16() | (long) u16() << 16) & 0xffffffffL;
    }

    private long u64() {
      return u32() | u32() << 32;
    }

    private long uleb() {
      return leb(false);
    }

    private long sleb() {
      return leb(true);
    }

    private long leb(boolean signed) {
      long v = 0;
      int shift = 0;
      int x;
      do {
        x = u8();
        v |= (long) (x & 0x7f) << shift;
        shift += 7;
      } while ((x & 0x80) != 0);
      if (signed && shift < 64 && (x & 0x40) != 0) {
        v |= -1L << shift;
      }
      return v;
    }
  }
}
