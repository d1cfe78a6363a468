package dev.skiff.internal;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds generated methods that HotSpot will not JIT-compile. With its default
 * {@code -XX:+DontCompileHugeMethods}, HotSpot never compiles a method of more than 8,000 bytes of
 * bytecode, so a large Wasm function (an interpreter's dispatch loop, {@code printf}'s core) that
 * Chicory compiled to such a method runs in the JVM's bytecode interpreter for ever, many times slower
 * (Lua 5.4 running a script: 7-9x, {@code LuaBenchmark}), and nothing else says so.
 */
final class HugeMethods {
  /** HotSpot's {@code HugeMethodLimit}, a develop flag: the same in every product JVM. */
  static final int LIMIT = 8000;

  private static final byte[] CODE = "Code".getBytes(StandardCharsets.US_ASCII);

  /** A method of a class file and its bytecode length. */
  record Method(String name, int length) {}

  private HugeMethods() {}

  /**
   * Whether this JVM leaves methods above {@link #LIMIT} to its interpreter: HotSpot with
   * {@code DontCompileHugeMethods} on. Asked only once a huge method is found, since it starts the
   * JVM's management code, which a cold start otherwise never loads.
   */
  static boolean skipped() {
    return Flag.SKIPPED;
  }

  /** Holds the flag, read when first asked. */
  private static final class Flag {
    static final boolean SKIPPED = read();

    private static boolean read() {
      try {
        HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        return hotSpot != null && "true".equals(hotSpot.getVMOption("DontCompileHugeMethods").getValue());
      } catch (RuntimeException | LinkageError e) {
        return false; // not HotSpot, or no such option: its limit does not apply
      }
    }
  }

  /**
   * The methods of a class file whose code is longer than {@link #LIMIT} bytes. Runs as each generated
   * class is defined, so it decodes no constant but the names of the methods it returns.
   */
  static List<Method> in(byte[] classFile) {
    return in(classFile, LIMIT);
  }

  /** The methods of a class file whose code is longer than {@code above} bytes. */
  static List<Method> in(byte[] classFile, int above) {
    ByteBuffer in = ByteBuffer.wrap(classFile);
    in.position(8); // magic, minor and major version
    int constants = Short.toUnsignedInt(in.getShort());
    int[] utf8At = new int[constants]; // where each UTF-8 constant's length field is; 0 for other kinds
    int code = 0; // the index of the constant "Code"
    for (int i = 1; i < constants; i++) {
      int tag = in.get();
      switch (tag) {
        case 1 -> {
          utf8At[i] = in.position();
          int length = Short.toUnsignedInt(in.getShort());
          if (length == CODE.length && Arrays.equals(classFile, in.position(), in.position() + length, CODE, 0, length)) {
            code = i;
          }
          in.position(in.position() + length);
        }
        case 5, 6 -> { // long, double: 8 bytes and two entries
          in.position(in.position() + 8);
          i++;
        }
        case 7, 8, 16, 19, 20 -> in.position(in.position() + 2);
        case 15 -> in.position(in.position() + 3);
        case 3, 4, 9, 10, 11, 12, 17, 18 -> in.position(in.position() + 4);
        default -> throw new IllegalArgumentException("constant pool tag " + tag + " at entry " + i);
      }
    }
    in.position(in.position() + 6); // access flags, this class, super class
    int interfaces = Short.toUnsignedInt(in.getShort());
    in.position(in.position() + 2 * interfaces);
    skipFields(in);
    List<Method> huge = new ArrayList<>();
    int methods = Short.toUnsignedInt(in.getShort());
    for (int m = 0; m < methods; m++) {
      in.getShort(); // access flags
      int name = Short.toUnsignedInt(in.getShort());
      in.getShort(); // descriptor
      int attributes = Short.toUnsignedInt(in.getShort());
      for (int a = 0; a < attributes; a++) {
        int attribute = Short.toUnsignedInt(in.getShort());
        int length = in.getInt();
        int end = in.position() + length;
        if (attribute == code) { // no attribute names constant 0, so a class without "Code" never matches
          int codeLength = in.getInt(in.position() + 4); // after max_stack and max_locals
          if (codeLength > above) {
            int at = utf8At[name];
            huge.add(new Method(new String(classFile, at + 2, Short.toUnsignedInt(in.getShort(at)),
                StandardCharsets.UTF_8), codeLength)); // method names are ASCII
          }
        }
        in.position(end);
      }
    }
    return huge;
  }

  /** Skips the fields: each is 6 bytes and its attributes. */
  private static void skipFields(ByteBuffer in) {
    int count = Short.toUnsignedInt(in.getShort());
    for (int f = 0; f < count; f++) {
      in.position(in.position() + 6);
      int attributes = Short.toUnsignedInt(in.getShort());
      for (int a = 0; a < attributes; a++) {
        in.getShort(); // name
        int length = in.getInt();
        in.position(in.position() + length);
      }
    }
  }
}
