package dev.skiff.oci.internal.pull;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A Zstandard decoder (RFC 8878) in plain Java, for tar+zstd layers. The libraries that exist either ship
 * native code (zstd-jni), use {@code sun.misc.Unsafe} (aircompressor up to 2.x, which JDK 24+ warns about and
 * which a named module cannot reach without {@code jdk.unsupported}), or need Java 22 (aircompressor 3).
 * Decoding only: every frame kind the reference encoder writes, without dictionaries. The content checksum is
 * verified when present; windows are limited to 2^27 bytes, the reference decoder's default limit.
 */
final class ZstdInputStream extends InputStream {
  private static final int MAGIC = 0xFD2FB528;
  private static final int BLOCK_MAX = 128 << 10;
  private static final int WINDOW_LOG_MAX = 27;
  private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private static final int[] LL_BASE = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28,
      32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536};
  private static final int[] LL_BITS = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6,
      7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  private static final int[] ML_BASE = new int[53];
  private static final int[] ML_BITS = new int[53];
  private static final Fse LL_DEFAULT;
  private static final Fse ML_DEFAULT;
  private static final Fse OF_DEFAULT;

  static {
    for (int i = 0; i < 32; i++) {
      ML_BASE[i] = i + 3;
    }
    int[] bits = {1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    for (int i = 0, base = 35; i < bits.length; i++) {
      ML_BASE[32 + i] = base;
      ML_BITS[32 + i] = bits[i];
      base += 1 << bits[i];
    }
    short[] ll = {4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1,
        -1, -1, -1, -1};
    short[] ml = new short[53];
    Arrays.fill(ml, (short) 1);
    System.arraycopy(new short[] {1, 4, 3, 2, 2, 2, 2, 2, 2}, 0, ml, 0, 9);
    Arrays.fill(ml, 46, 53, (short) -1);
    short[] of = new short[29];
    Arrays.fill(of, (short) 1);
    Arrays.fill(of, 6, 9, (short) 2);
    Arrays.fill(of, 24, 29, (short) -1);
    try {
      LL_DEFAULT = Fse.build(ll, 6);
      ML_DEFAULT = Fse.build(ml, 6);
      OF_DEFAULT = Fse.build(of, 5);
    } catch (IOException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final InputStream in;
  private final byte[] block = new byte[BLOCK_MAX];
  private final byte[] literals = new byte[BLOCK_MAX];
  private final Xxh64 hash = new Xxh64();
  // Decoded bytes: [histStart, readPos) is history a match may copy from, [readPos, end) not yet returned.
  private byte[] out = new byte[0];
  private int readPos;
  private int end;
  private int histStart;
  private boolean inFrame;
  private boolean sawFrame;
  private int windowSize;
  private int blockMax;
  private boolean checksum;
  private long contentSize;
  private long frameDecoded;
  private final int[] rep = new int[3];
  private Huffman huffman;
  private Fse llTable;
  private Fse ofTable;
  private Fse mlTable;
  private int ip; // read position in block while decoding it

  ZstdInputStream(InputStream in) {
    this.in = in;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    while (readPos == end) {
      if (!fill()) {
        return -1;
      }
    }
    int n = Math.min(len, end - readPos);
    System.arraycopy(out, readPos, b, off, n);
    readPos += n;
    return n;
  }

  @Override
  public int available() {
    return end - readPos;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** Decodes blocks until one yields bytes; false at the end of the last frame. */
  private boolean fill() throws IOException {
    while (true) {
      if (!inFrame && !startFrame()) {
        return false;
      }
      makeRoom();
      int before = end;
      boolean last = decodeBlock();
      hash.update(out, before, end - before);
      frameDecoded += end - before;
      if (last) {
        endFrame();
      }
      if (end > before) {
        return true;
      }
    }
  }

  /** Keeps a window of history and room for one more block, growing the buffer only as content needs it. */
  private void makeRoom() {
    if (end + BLOCK_MAX <= out.length) {
      return;
    }
    long cap = 2L * windowSize + BLOCK_MAX;
    if (out.length < cap) {
      out = Arrays.copyOf(out, (int) Math.min(cap, Math.max(2L * out.length, end + BLOCK_MAX)));
      return;
    }
    int from = Math.max(histStart, end - windowSize);
    System.arraycopy(out, from, out, 0, end - from);
    end -= from;
    readPos -= from;
    histStart = Math.max(0, histStart - from);
  }

  private boolean startFrame() throws IOException {
    int magic;
    while (true) {
      int b0 = in.read();
      if (b0 < 0) {
        if (!sawFrame) {
          throw corrupt("no frame in the stream");
        }
        return false;
      }
      magic = b0 | (int) readLE(3) << 8;
      if ((magic & 0xFFFFFFF0) != 0x184D2A50) {
        break;
      }
      in.skipNBytes(readLE(4)); // a skippable frame: metadata the decoder ignores
    }
    if (magic != MAGIC) {
      throw corrupt(String.format("not a zstd frame (magic 0x%08x)", magic));
    }
    sawFrame = true;
    int fhd = readByte();
    if ((fhd & 0x08) != 0) {
      throw corrupt("the reserved bit of the frame header is set");
    }
    int fcsFlag = fhd >>> 6;
    boolean single = (fhd & 0x20) != 0;
    checksum = (fhd & 0x04) != 0;
    int dictFlag = fhd & 3;
    long window = 0;
    if (!single) {
      int wd = readByte();
      long base = 1L << (10 + (wd >>> 3));
      window = base + (base >> 3) * (wd & 7);
    }
    long dictionary = readLE(dictFlag == 3 ? 4 : dictFlag);
    if (dictionary != 0) {
      throw corrupt("the frame needs dictionary " + dictionary + "; layers compressed with a dictionary are not supported");
    }
    int fcsBytes = fcsFlag == 0 ? (single ? 1 : 0) : 1 << fcsFlag;
    contentSize = fcsBytes == 0 ? -1 : readLE(fcsBytes) + (fcsBytes == 2 ? 256 : 0);
    if (single) {
      window = contentSize;
    }
    if (window < 0 || window > 1L << WINDOW_LOG_MAX) {
      throw corrupt("the frame's window of " + window + " bytes is over the limit of 2^" + WINDOW_LOG_MAX);
    }
    windowSize = (int) window;
    blockMax = Math.min(windowSize, BLOCK_MAX);
    rep[0] = 1;
    rep[1] = 4;
    rep[2] = 8;
    huffman = null;
    llTable = null;
    ofTable = null;
    mlTable = null;
    hash.reset();
    frameDecoded = 0;
    // Everything decoded so far was returned: a new frame starts with no history.
    end = 0;
    readPos = 0;
    histStart = 0;
    inFrame = true;
    return true;
  }

  private void endFrame() throws IOException {
    inFrame = false;
    if (contentSize >= 0 && frameDecoded != contentSize) {
      throw corrupt("the frame declares " + contentSize + " bytes but decodes to " + frameDecoded);
    }
    if (checksum && (int) readLE(4) != (int) hash.digest()) {
      throw corrupt("the content checksum does not match");
    }
  }

  /** Decodes one block after out[end]; true if it was the frame's last. */
  private boolean decodeBlock() throws IOException {
    int header = (int) readLE(3);
    int type = (header >>> 1) & 3;
    int size = header >>> 3;
    if (type == 3) {
      throw corrupt("reserved block type");
    }
    if (size > blockMax) {
      throw corrupt("a block of " + size + " bytes is over the maximum of " + blockMax);
    }
    if (type == 0) {
      readFully(out, end, size);
      end += size;
    } else if (type == 1) {
      Arrays.fill(out, end, end + size, (byte) readByte());
      end += size;
    } else {
      readFully(block, 0, size);
      decompress(size);
    }
    return (header & 1) != 0;
  }

  private void decompress(int size) throws IOException {
    ip = 0;
    int litSize = readLiterals(size);
    int nbSeq = u8(size);
    if (nbSeq >= 128) {
      nbSeq = nbSeq < 255 ? ((nbSeq - 128) << 8) + u8(size) : u8(size) + (u8(size) << 8) + 0x7F00;
    }
    int op = end;
    int limit = end + blockMax;
    int lit = 0;
    if (nbSeq > 0) {
      int modes = u8(size);
      if ((modes & 3) != 0) {
        throw corrupt("reserved bits of the sequence modes are set");
      }
      llTable = table(modes >>> 6, llTable, LL_DEFAULT, 35, 9, size);
      ofTable = table((modes >>> 4) & 3, ofTable, OF_DEFAULT, 31, 8, size);
      mlTable = table((modes >>> 2) & 3, mlTable, ML_DEFAULT, 52, 9, size);
      Fse ll = llTable;
      Fse of = ofTable;
      Fse ml = mlTable;
      BackwardBits bits = new BackwardBits(block, ip, size);
      int llState = bits.read(ll.log);
      int ofState = bits.read(of.log);
      int mlState = bits.read(ml.log);
      for (int i = 0; i < nbSeq; i++) {
        int ofCode = of.symbol[ofState];
        int llCode = ll.symbol[llState];
        int mlCode = ml.symbol[mlState];
        long offValue = (1L << ofCode) + bits.read(ofCode);
        int matchLen = ML_BASE[mlCode] + bits.read(ML_BITS[mlCode]);
        int litLen = LL_BASE[llCode] + bits.read(LL_BITS[llCode]);
        long offset;
        if (offValue > 3) {
          offset = offValue - 3;
          rep[2] = rep[1];
          rep[1] = rep[0];
          rep[0] = (int) offset;
        } else {
          int idx = (int) offValue - 1 + (litLen == 0 ? 1 : 0);
          if (idx == 0) {
            offset = rep[0];
          } else {
            offset = idx == 3 ? rep[0] - 1 : rep[idx];
            if (idx != 1) {
              rep[2] = rep[1];
            }
            rep[1] = rep[0];
            rep[0] = (int) offset;
          }
        }
        if (i + 1 < nbSeq) {
          llState = ll.next(llState, bits);
          mlState = ml.next(mlState, bits);
          ofState = of.next(ofState, bits);
        }
        if (litLen > litSize - lit || (long) matchLen + litLen > limit - op) {
          throw corrupt("a sequence runs past its literals or the block's size");
        }
        System.arraycopy(literals, lit, out, op, litLen);
        lit += litLen;
        op += litLen;
        if (offset <= 0 || offset > op - histStart) {
          throw corrupt("a match offset of " + offset + " reaches outside the decoded window");
        }
        int from = op - (int) offset;
        if (offset >= matchLen) {
          System.arraycopy(out, from, out, op, matchLen);
        } else {
          for (int k = 0; k < matchLen; k++) {
            out[op + k] = out[from + k];
          }
        }
        op += matchLen;
      }
      if (!bits.consumed()) {
        throw corrupt("the sequence bitstream does not end where its block does");
      }
    }
    int rest = litSize - lit;
    if (rest > limit - op) {
      throw corrupt("a block decodes to more than " + blockMax + " bytes");
    }
    System.arraycopy(literals, lit, out, op, rest);
    end = op + rest;
  }

  /** Reads the literals section into {@link #literals}; returns their count. */
  private int readLiterals(int size) throws IOException {
    int b0 = u8(size);
    int type = b0 & 3;
    int format = (b0 >>> 2) & 3;
    if (type <= 1) {
      int n;
      if ((format & 1) == 0) {
        n = b0 >>> 3;
      } else if (format == 1) {
        n = (b0 >>> 4) | u8(size) << 4;
      } else {
        n = (b0 >>> 4) | u8(size) << 4 | u8(size) << 12;
      }
      if (n > blockMax) {
        throw corrupt("literals of " + n + " bytes are over the block maximum");
      }
      if (type == 0) {
        need(n, size);
        System.arraycopy(block, ip, literals, 0, n);
        ip += n;
      } else {
        Arrays.fill(literals, 0, n, (byte) u8(size));
      }
      return n;
    }
    int headerBytes = format <= 1 ? 3 : format + 2;
    ip = 0;
    need(headerBytes, size);
    long h = le(block, 0, headerBytes);
    ip = headerBytes;
    int sizeBits = format <= 1 ? 10 : format == 2 ? 14 : 18;
    int n = (int) (h >>> 4) & ((1 << sizeBits) - 1);
    int compressed = (int) (h >>> (4 + sizeBits)) & ((1 << sizeBits) - 1);
    if (n > blockMax) {
      throw corrupt("literals of " + n + " bytes are over the block maximum");
    }
    need(compressed, size);
    int stop = ip + compressed;
    if (type == 2) {
      int[] pos = {ip};
      huffman = Huffman.read(block, pos, stop);
      ip = pos[0];
    } else if (huffman == null) {
      throw corrupt("treeless literals come before any Huffman table");
    }
    huffman.decode(block, ip, stop, literals, n, format != 0);
    ip = stop;
    return n;
  }

  private Fse table(int mode, Fse previous, Fse predefined, int maxSymbol, int maxLog, int size) throws IOException {
    switch (mode) {
      case 0:
        return predefined;
      case 1: {
        int s = u8(size);
        if (s > maxSymbol) {
          throw corrupt("an RLE sequence symbol " + s + " is over " + maxSymbol);
        }
        return Fse.rle(s);
      }
      case 2: {
        int[] pos = {ip};
        Fse t = Fse.read(block, pos, size, maxSymbol, maxLog);
        ip = pos[0];
        return t;
      }
      default:
        if (previous == null) {
          throw corrupt("a sequence table repeats before any was given");
        }
        return previous;
    }
  }

  private int u8(int size) throws IOException {
    if (ip >= size) {
      throw corrupt("a block ends inside its headers");
    }
    return block[ip++] & 0xff;
  }

  private void need(int n, int size) throws IOException {
    if (n > size - ip) {
      throw corrupt("a block ends inside its literals");
    }
  }

  private int readByte() throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException("zstd: the stream ends inside a frame");
    }
    return b;
  }

  private long readLE(int n) throws IOException {
    long v = 0;
    for (int i = 0; i < n; i++) {
      v |= (long) readByte() << (8 * i);
    }
    return v;
  }

  private void readFully(byte[] b, int off, int n) throws IOException {
    if (in.readNBytes(b, off, n) < n) {
      throw new EOFException("zstd: the stream ends inside a block");
    }
  }

  static long le(byte[] b, int at, int n) {
    long v = 0;
    for (int i = n - 1; i >= 0; i--) {
      v = (v << 8) | (b[at + i] & 0xff);
    }
    return v;
  }

  static IOException corrupt(String what) {
    return new IOException("zstd: " + what);
  }

  /** A bitstream read from its end towards its start, as FSE and Huffman streams are written. */
  static final class BackwardBits {
    private final byte[] src;
    private final int start;
    private final int len;
    private long pos; // bits still unread; negative once more were read than the stream holds

    BackwardBits(byte[] src, int start, int end) throws IOException {
      if (end <= start || src[end - 1] == 0) {
        throw corrupt("a bitstream is empty or lacks its end mark");
      }
      this.src = src;
      this.start = start;
      this.len = end - start;
      pos = (long) (len - 1) * 8 + (31 - Integer.numberOfLeadingZeros(src[end - 1] & 0xff));
    }

    /** The next n (at most 31) bits without consuming them; bits before the stream's start read as 0. */
    int peek(int n) {
      if (n == 0 || pos <= 0) {
        return 0;
      }
      long p = pos - n;
      if (p >= 0) {
        return (int) (load((int) (p >>> 3)) >>> (p & 7)) & (int) ((1L << n) - 1);
      }
      return (int) (load(0) & ((1L << pos) - 1)) << (int) -p;
    }

    int read(int n) {
      int v = peek(n);
      pos -= n;
      return v;
    }

    void skip(int n) {
      pos -= n;
    }

    boolean overflowed() {
      return pos < 0;
    }

    boolean consumed() {
      return pos == 0;
    }

    private long load(int i) {
      if (i + 8 <= len) {
        return (long) LONG_LE.get(src, start + i);
      }
      return le(src, start + i, len - i);
    }
  }

  /** An FSE decoding table: per state, the symbol, the bits to read and the base of the next state. */
  static final class Fse {
    final int log;
    final int[] symbol;
    final int[] bits;
    final int[] base;

    private Fse(int log) {
      this.log = log;
      symbol = new int[1 << log];
      bits = new int[1 << log];
      base = new int[1 << log];
    }

    int next(int state, BackwardBits in) {
      return base[state] + in.read(bits[state]);
    }

    static Fse rle(int s) {
      Fse t = new Fse(0);
      t.symbol[0] = s;
      return t;
    }

    /** Reads a table description (RFC 8878 4.1.1) at pos[0], leaving pos[0] after it. */
    static Fse read(byte[] src, int[] pos, int stop, int maxSymbol, int maxLog) throws IOException {
      long bit = pos[0] * 8L;
      int log = forward(src, bit, 4, stop) + 5;
      bit += 4;
      if (log > maxLog) {
        throw corrupt("an FSE table's accuracy 2^" + log + " is over 2^" + maxLog);
      }
      short[] norm = new short[maxSymbol + 1];
      int remaining = (1 << log) + 1;
      int threshold = 1 << log;
      int nbBits = log + 1;
      int s = 0;
      boolean zero = false;
      while (remaining > 1 && s <= maxSymbol) {
        if (zero) {
          int repeat;
          do {
            repeat = forward(src, bit, 2, stop);
            bit += 2;
            s += repeat;
          } while (repeat == 3);
          if (s > maxSymbol) {
            throw corrupt("an FSE table has more symbols than " + (maxSymbol + 1));
          }
        }
        int max = (2 * threshold - 1) - remaining;
        int count = forward(src, bit, nbBits - 1, stop);
        if (count < max) {
          bit += nbBits - 1;
        } else {
          count = forward(src, bit, nbBits, stop);
          if (count >= threshold) {
            count -= max;
          }
          bit += nbBits;
        }
        count--;
        remaining -= Math.abs(count);
        norm[s++] = (short) count;
        zero = count == 0;
        while (remaining < threshold) {
          nbBits--;
          threshold >>= 1;
        }
      }
      int next = (int) ((bit + 7) >>> 3);
      if (remaining != 1 || next > stop) {
        throw corrupt("an FSE table description is invalid");
      }
      pos[0] = next;
      return build(Arrays.copyOf(norm, s), log);
    }

    /** Spreads the normalised counts over the table (RFC 8878 4.1.1). */
    static Fse build(short[] norm, int log) throws IOException {
      Fse t = new Fse(log);
      int size = 1 << log;
      int high = size - 1;
      int[] next = new int[norm.length];
      for (int s = 0; s < norm.length; s++) {
        if (norm[s] == -1) {
          t.symbol[high--] = s;
          next[s] = 1;
        } else {
          next[s] = norm[s];
        }
      }
      int step = (size >>> 1) + (size >>> 3) + 3;
      int pos = 0;
      for (int s = 0; s < norm.length; s++) {
        for (int i = 0; i < norm[s]; i++) {
          t.symbol[pos] = s;
          do {
            pos = (pos + step) & (size - 1);
          } while (pos > high);
        }
      }
      if (pos != 0) {
        throw corrupt("an FSE table's counts do not fill it");
      }
      for (int u = 0; u < size; u++) {
        int n = next[t.symbol[u]]++;
        int nb = log - (31 - Integer.numberOfLeadingZeros(n));
        t.bits[u] = nb;
        t.base[u] = (n << nb) - size;
      }
      return t;
    }

    /** n bits at bit position bit, least significant first; bytes at or after stop read as 0. */
    private static int forward(byte[] src, long bit, int n, int stop) {
      int at = (int) (bit >>> 3);
      int avail = Math.max(0, Math.min(8, stop - at));
      return (int) (le(src, at, avail) >>> (bit & 7)) & ((1 << n) - 1);
    }
  }

  /** A Huffman decoding table for literals, indexed by the next maxBits bits of a stream. */
  static final class Huffman {
    private final int maxBits;
    private final byte[] symbol;
    private final byte[] length;

    private Huffman(int maxBits) {
      this.maxBits = maxBits;
      symbol = new byte[1 << maxBits];
      length = new byte[1 << maxBits];
    }

    /** Reads a tree description (RFC 8878 4.2.1) at pos[0], leaving pos[0] after it. */
    static Huffman read(byte[] src, int[] pos, int stop) throws IOException {
      int p = pos[0];
      if (p >= stop) {
        throw corrupt("literals end before their Huffman table");
      }
      int header = src[p++] & 0xff;
      int[] weights = new int[256];
      int n = 0;
      if (header >= 128) {
        n = header - 127;
        int bytes = (n + 1) / 2;
        if (bytes > stop - p) {
          throw corrupt("literals end inside their Huffman table");
        }
        for (int i = 0; i < n; i++) {
          int b = src[p + i / 2] & 0xff;
          weights[i] = (i & 1) == 0 ? b >>> 4 : b & 15;
        }
        p += bytes;
      } else {
        if (header > stop - p) {
          throw corrupt("literals end inside their Huffman table");
        }
        int[] q = {p};
        Fse f = Fse.read(src, q, p + header, 255, 6);
        BackwardBits bits = new BackwardBits(src, q[0], p + header);
        int s1 = bits.read(f.log);
        int s2 = bits.read(f.log);
        while (true) {
          if (n > 253) {
            throw corrupt("a Huffman table has more than 255 weights");
          }
          weights[n++] = f.symbol[s1];
          s1 = f.next(s1, bits);
          if (bits.overflowed()) {
            weights[n++] = f.symbol[s2];
            break;
          }
          weights[n++] = f.symbol[s2];
          s2 = f.next(s2, bits);
          if (bits.overflowed()) {
            weights[n++] = f.symbol[s1];
            break;
          }
        }
        if (n > 255) {
          throw corrupt("a Huffman table has more than 255 weights");
        }
        p += header;
      }
      long sum = 0;
      for (int i = 0; i < n; i++) {
        if (weights[i] > 11) {
          throw corrupt("a Huffman weight is over 11");
        }
        sum += weights[i] == 0 ? 0 : 1L << (weights[i] - 1);
      }
      if (sum == 0 || sum >= 1L << 11) {
        throw corrupt("Huffman weights are invalid");
      }
      int maxBits = 64 - Long.numberOfLeadingZeros(sum);
      long rest = (1L << maxBits) - sum;
      if ((rest & (rest - 1)) != 0) {
        throw corrupt("Huffman weights do not make a complete tree");
      }
      weights[n++] = 64 - Long.numberOfLeadingZeros(rest);
      Huffman h = new Huffman(maxBits);
      int at = 0;
      for (int w = 1; w <= maxBits; w++) {
        for (int s = 0; s < n; s++) {
          if (weights[s] == w) {
            int count = 1 << (w - 1);
            Arrays.fill(h.symbol, at, at + count, (byte) s);
            Arrays.fill(h.length, at, at + count, (byte) (maxBits + 1 - w));
            at += count;
          }
        }
      }
      pos[0] = p;
      return h;
    }

    void decode(byte[] src, int from, int stop, byte[] dst, int n, boolean four) throws IOException {
      if (!four) {
        stream(src, from, stop, dst, 0, n);
        return;
      }
      if (stop - from < 6) {
        throw corrupt("four literal streams without their jump table");
      }
      int e1 = from + 6 + (int) le(src, from, 2);
      int e2 = e1 + (int) le(src, from + 2, 2);
      int e3 = e2 + (int) le(src, from + 4, 2);
      int segment = (n + 3) / 4;
      if (e3 > stop || 3 * segment > n) {
        throw corrupt("the literal streams' jump table is invalid");
      }
      stream(src, from + 6, e1, dst, 0, segment);
      stream(src, e1, e2, dst, segment, segment);
      stream(src, e2, e3, dst, 2 * segment, segment);
      stream(src, e3, stop, dst, 3 * segment, n - 3 * segment);
    }

    private void stream(byte[] src, int from, int stop, byte[] dst, int at, int n) throws IOException {
      BackwardBits bits = new BackwardBits(src, from, stop);
      for (int i = at; i < at + n; i++) {
        int idx = bits.peek(maxBits);
        dst[i] = symbol[idx];
        bits.skip(length[idx]);
      }
      if (!bits.consumed()) {
        throw corrupt("a literal stream does not end where it should");
      }
    }
  }

  /** XXH64 with seed 0, for the content checksum (its low 32 bits). */
  static final class Xxh64 {
    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;
    private final byte[] buffer = new byte[32];
    private int buffered;
    private long total;
    private long v1;
    private long v2;
    private long v3;
    private long v4;

    Xxh64() {
      reset();
    }

    void reset() {
      v1 = P1 + P2;
      v2 = P2;
      v3 = 0;
      v4 = -P1;
      total = 0;
      buffered = 0;
    }

    void update(byte[] b, int off, int len) {
      total += len;
      if (buffered + len < 32) {
        System.arraycopy(b, off, buffer, buffered, len);
        buffered += len;
        return;
      }
      if (buffered > 0) {
        int fill = 32 - buffered;
        System.arraycopy(b, off, buffer, buffered, fill);
        stripe(buffer, 0);
        off += fill;
        len -= fill;
        buffered = 0;
      }
      for (; len >= 32; off += 32, len -= 32) {
        stripe(b, off);
      }
      System.arraycopy(b, off, buffer, 0, len);
      buffered = len;
    }

    long digest() {
      long h;
      if (total >= 32) {
        h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
        h = merge(h, v1);
        h = merge(h, v2);
        h = merge(h, v3);
        h = merge(h, v4);
      } else {
        h = P5;
      }
      h += total;
      int i = 0;
      for (; i + 8 <= buffered; i += 8) {
        h ^= round(0, le(buffer, i, 8));
        h = Long.rotateLeft(h, 27) * P1 + P4;
      }
      if (i + 4 <= buffered) {
        h ^= le(buffer, i, 4) * P1;
        h = Long.rotateLeft(h, 23) * P2 + P3;
        i += 4;
      }
      for (; i < buffered; i++) {
        h ^= (buffer[i] & 0xff) * P5;
        h = Long.rotateLeft(h, 11) * P1;
      }
      h ^= h >>> 33;
      h *= P2;
      h ^= h >>> 29;
      h *= P3;
      return h ^ (h >>> 32);
    }

    private void stripe(byte[] b, int off) {
      v1 = round(v1, (long) LONG_LE.get(b, off));
      v2 = round(v2, (long) LONG_LE.get(b, off + 8));
      v3 = round(v3, (long) LONG_LE.get(b, off + 16));
      v4 = round(v4, (long) LONG_LE.get(b, off + 24));
    }

    private static long round(long acc, long input) {
      return Long.rotateLeft(acc + input * P2, 31) * P1;
    }

    private static long merge(long h, long v) {
      return (h ^ round(0, v)) * P1 + P4;
    }
  }
}
