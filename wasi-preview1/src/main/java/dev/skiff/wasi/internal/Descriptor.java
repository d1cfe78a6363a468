package dev.skiff.wasi.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.List;

/** An open WASI file descriptor: its rights, flags and the host resource behind it. */
public abstract class Descriptor {
  public static final int FILETYPE_UNKNOWN = 0;
  public static final int FILETYPE_CHARACTER_DEVICE = 2;
  public static final int FILETYPE_DIRECTORY = 3;
  public static final int FILETYPE_REGULAR_FILE = 4;
  public static final int FILETYPE_SOCKET_STREAM = 6;
  public static final int FILETYPE_SYMBOLIC_LINK = 7;

  public static final int FDFLAGS_APPEND = 1;
  public static final int FDFLAGS_DSYNC = 2;
  public static final int FDFLAGS_NONBLOCK = 4;
  public static final int FDFLAGS_RSYNC = 8;
  public static final int FDFLAGS_SYNC = 16;

  long rightsBase;
  long rightsInheriting;
  int fdflags;

  Descriptor(long rightsBase, long rightsInheriting) {
    this.rightsBase = rightsBase;
    this.rightsInheriting = rightsInheriting;
  }

  abstract int filetype();

  /** Releases what this descriptor owns; never a stream or channel the embedder passed in. */
  void close() throws IOException {}

  /** Fails with ENOTCAPABLE unless every right in {@code rights} is held. */
  final void require(long rights) {
    if ((rightsBase & rights) != rights) {
      throw Errno.fail(Errno.ENOTCAPABLE);
    }
  }

  /** Standard input. */
  static final class Input extends Descriptor {
    final InputStream in;
    final boolean owned;

    Input(InputStream in, boolean owned) {
      super(Rights.FD_READ | Rights.POLL_FD_READWRITE | Rights.FD_FILESTAT_GET, 0);
      this.in = in;
      this.owned = owned;
    }

    @Override
    int filetype() {
      return FILETYPE_CHARACTER_DEVICE;
    }

    @Override
    void close() throws IOException {
      if (owned && in != null) {
        in.close();
      }
    }
  }

  /** Standard output or error, with an optional cap on the bytes written. */
  static final class Output extends Descriptor {
    final Sink sink;

    Output(Sink sink) {
      super(Rights.FD_WRITE | Rights.POLL_FD_READWRITE | Rights.FD_FILESTAT_GET, 0);
      this.sink = sink;
    }

    @Override
    int filetype() {
      return FILETYPE_CHARACTER_DEVICE;
    }
  }

  /** A regular file opened by the guest. */
  static final class File extends Descriptor {
    final SeekableByteChannel channel;
    final FileChannel fileChannel; // same object when positional I/O is available, else null
    /** The directory it was opened in (this descriptor holds a reference) and its name there. */
    final Sandbox.Dir parent;
    final String name;
    long position;

    /** Takes over a reference to {@code parent}. */
    File(SeekableByteChannel channel, Sandbox.Dir parent, String name, long base, long inheriting) {
      super(base, inheriting);
      this.channel = channel;
      this.fileChannel = channel instanceof FileChannel ? (FileChannel) channel : null;
      this.parent = parent;
      this.name = name;
    }

    @Override
    int filetype() {
      return FILETYPE_REGULAR_FILE;
    }

    @Override
    void close() throws IOException {
      try {
        channel.close();
      } finally {
        parent.release();
      }
    }
  }

  /** A directory: a preopen or one the guest opened beneath it. */
  static final class Directory extends Descriptor {
    final boolean readOnly;
    /** The open host directory (owned); resolution never leaves it. */
    final Sandbox.Dir handle;
    final String preopenName; // null unless a preopen
    List<DirEntry> entries; // fd_readdir snapshot, refreshed at cookie 0

    Directory(boolean readOnly, Sandbox.Dir handle, String preopenName, long base, long inheriting) {
      super(base, inheriting);
      this.readOnly = readOnly;
      this.handle = handle;
      this.preopenName = preopenName;
    }

    @Override
    int filetype() {
      return FILETYPE_DIRECTORY;
    }

    @Override
    void close() {
      handle.release();
    }

    @Override
    public String toString() {
      return "Directory(" + (preopenName != null ? preopenName : "opened") + ")";
    }
  }

  /** A preopened TCP listener (owned by the embedder). */
  static final class Listener extends Descriptor {
    final ServerSocketChannel channel;

    Listener(ServerSocketChannel channel) {
      super(Rights.LISTENER, Rights.SOCKET);
      this.channel = channel;
    }

    @Override
    int filetype() {
      return FILETYPE_SOCKET_STREAM;
    }
  }

  /**
   * A socket the guest opened with WasmEdge's {@code sock_open}: no host resource yet. It becomes a
   * {@link Socket} on an allowed {@code sock_connect}, or a {@link Listener} on {@code sock_listen}
   * after a {@code sock_bind} to an address the embedder granted.
   */
  static final class Pending extends Descriptor {
    final boolean inet6;
    /** The granted listener that {@code sock_bind} matched; null until then. */
    ServerSocketChannel bound;
    /** Socket options set before the connection exists, applied when it does (name to value). */
    final java.util.Map<java.net.SocketOption<?>, Object> options = new java.util.LinkedHashMap<>();

    Pending(boolean inet6) {
      super(Rights.SOCKET | Rights.SOCK_ACCEPT, Rights.SOCKET);
      this.inet6 = inet6;
    }

    @Override
    int filetype() {
      return FILETYPE_SOCKET_STREAM;
    }
  }

  /** A TCP connection accepted by the guest. */
  static final class Socket extends Descriptor {
    final SocketChannel channel;
    /** Bytes a MSG_PEEK read from the channel that no read has consumed yet; null when none. */
    ByteBuffer peeked;

    Socket(SocketChannel channel) {
      super(Rights.SOCKET, 0);
      this.channel = channel;
    }

    @Override
    int filetype() {
      return FILETYPE_SOCKET_STREAM;
    }

    @Override
    void close() throws IOException {
      channel.close();
    }
  }

  /** One fd_readdir entry. */
  record DirEntry(byte[] name, long ino, int type) {}

  /** Where stdout/stderr bytes go. */
  public abstract static class Sink {
    private long remaining;

    Sink(long maxBytes) {
      this.remaining = maxBytes;
    }

    /** Writes up to {@code len} bytes within the cap; returns how many were accepted. */
    final int write(byte[] b, int off, int len) throws IOException {
      int n = (int) Math.min(len, remaining);
      if (n == 0 && len > 0) {
        throw Errno.fail(Errno.ENOSPC);
      }
      put(b, off, n);
      remaining -= n;
      return n;
    }

    abstract void put(byte[] b, int off, int len) throws IOException;

    void flush() throws IOException {}

    void close() throws IOException {}

    /** Releases the sink when creating a WASI world failed half way. */
    public void release() throws IOException {
      close();
    }

    byte[] captured() {
      return new byte[0];
    }

    public static Sink discard(long maxBytes) {
      return new Sink(maxBytes) {
        @Override
        void put(byte[] b, int off, int len) {}
      };
    }

    public static Sink capture(long maxBytes) {
      return new Sink(maxBytes) {
        private byte[] buf = new byte[256];
        private int size;

        @Override
        void put(byte[] b, int off, int len) {
          if (size + len > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + len));
          }
          System.arraycopy(b, off, buf, size, len);
          size += len;
        }

        @Override
        byte[] captured() {
          return Arrays.copyOf(buf, size);
        }
      };
    }

    /** Writes to a stream; closes it only when {@code owned}. */
    public static Sink stream(OutputStream out, boolean owned, long maxBytes) {
      return new Sink(maxBytes) {
        @Override
        void put(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
        }

        @Override
        void flush() throws IOException {
          out.flush();
        }

        @Override
        void close() throws IOException {
          if (owned) {
            out.close();
          } else {
            out.flush();
          }
        }
      };
    }
  }
}
