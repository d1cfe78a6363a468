package dev.skiff.internal;

import com.dylibso.chicory.wasm.types.TableLimits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds a table too large for Chicory in a module's table section. Chicory 1.7.5 refuses a table
 * of more than {@link TableLimits#LIMIT_MAX} elements while parsing, with the same message as for a
 * table whose minimum exceeds its maximum, so the parser's error alone cannot say which it was.
 */
public final class TableSizes {
  private static final int TABLE_SECTION = 4;

  private TableSizes() {}

  /**
   * The initial size of the first table in {@code module} above Chicory's ceiling, or -1 if there
   * is none or the section cannot be read (the caller keeps Chicory's own error then).
   */
  public static long oversized(Path module) {
    try (InputStream in = Files.newInputStream(module)) {
      byte[] header = in.readNBytes(8);
      if (header.length < 8) {
        return -1;
      }
      while (true) {
        int id = in.read();
        if (id < 0) {
          return -1;
        }
        long size = leb(in);
        if (id == TABLE_SECTION) {
          if (size > Integer.MAX_VALUE) {
            return -1;
          }
          return oversized(ByteBuffer.wrap(in.readNBytes((int) size)));
        }
        if (id > TABLE_SECTION || in.skip(size) != size) { // only custom sections (0) and 1-3 come before it
          return -1;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static long oversized(ByteBuffer section) {
    long count = leb(section);
    for (long i = 0; i < count; i++) {
      int refType = section.get() & 0xFF;
      if (refType != 0x70 && refType != 0x6F) {
        return -1; // typed references or an initialiser: too rare to decode here
      }
      int flags = section.get() & 0xFF;
      long min = leb(section);
      if ((flags & 1) != 0) {
        leb(section);
      }
      if (min > TableLimits.LIMIT_MAX) {
        return min;
      }
    }
    return -1;
  }

  private static long leb(InputStream in) throws IOException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("truncated");
      }
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new IOException("LEB128 too long");
  }

  private static long leb(ByteBuffer in) {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = in.get() & 0xFF;
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new IllegalArgumentException("LEB128 too long");
  }
}
