package dev.skiff.wasi.internal;

/** WASI preview1 errno values (witx {@code $errno}) and the exception that carries one. */
public final class Errno {
  public static final int SUCCESS = 0;
  public static final int E2BIG = 1;
  public static final int EACCES = 2;
  public static final int EADDRINUSE = 3;
  public static final int EADDRNOTAVAIL = 4;
  public static final int EAFNOSUPPORT = 5;
  public static final int EAGAIN = 6;
  public static final int EBADF = 8;
  public static final int EBUSY = 10;
  public static final int ECONNREFUSED = 14;
  public static final int ECONNRESET = 15;
  public static final int EEXIST = 20;
  public static final int EFAULT = 21;
  public static final int EFBIG = 22;
  public static final int EHOSTUNREACH = 23;
  public static final int EILSEQ = 25;
  public static final int EINTR = 27;
  public static final int EINVAL = 28;
  public static final int EIO = 29;
  public static final int EISCONN = 30;
  public static final int EISDIR = 31;
  public static final int ELOOP = 32;
  public static final int EMFILE = 33;
  public static final int EMLINK = 34;
  public static final int ENAMETOOLONG = 37;
  public static final int ENOENT = 44;
  public static final int ENOMEM = 48;
  public static final int ENOPROTOOPT = 50;
  public static final int ENOSPC = 51;
  public static final int ENOSYS = 52;
  public static final int ENOTCONN = 53;
  public static final int ENOTDIR = 54;
  public static final int ENOTEMPTY = 55;
  public static final int ENOTSOCK = 57;
  public static final int ENOTSUP = 58;
  public static final int EOVERFLOW = 61;
  public static final int EPERM = 63;
  public static final int EPIPE = 64;
  public static final int EROFS = 69;
  public static final int ESPIPE = 70;
  public static final int EXDEV = 75;
  public static final int ENOTCAPABLE = 76;
  // WasmEdge's getaddrinfo errors, after the preview1 set (WasmEdge's thirdparty/wasi/api.hpp).
  public static final int EAI_FAMILY = 81;
  public static final int EAI_MEMORY = 82;
  public static final int EAI_NONAME = 84;
  public static final int EAI_SERVICE = 85;
  public static final int EAI_SOCKTYPE = 86;
  /** One more than the largest errno. */
  public static final int COUNT = 88;

  private static final WasiErrnoException[] CACHED = new WasiErrnoException[COUNT];

  static {
    for (int i = 0; i < CACHED.length; i++) {
      CACHED[i] = new WasiErrnoException(i);
    }
  }

  private Errno() {}

  /**
   * Returns the shared exception for an errno; it has no stack trace, so throwing it is cheap.
   *
   * @param errno a WASI errno
   * @return the exception to throw
   */
  public static WasiErrnoException fail(int errno) {
    return CACHED[errno];
  }

  /** Carries an errno from deep inside an implementation back to the host function boundary. */
  public static final class WasiErrnoException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    WasiErrnoException(int errno) {
      super("WASI errno " + errno, null, false, false);
      this.errno = errno;
    }

    /** @return the WASI errno */
    public int errno() {
      return errno;
    }
  }
}
