package dev.skiff.wasi.internal;

/** WASI preview1 rights bits (witx {@code $rights}) and the sets Skiff grants. */
public final class Rights {
  public static final long FD_DATASYNC = 1L << 0;
  public static final long FD_READ = 1L << 1;
  public static final long FD_SEEK = 1L << 2;
  public static final long FD_FDSTAT_SET_FLAGS = 1L << 3;
  public static final long FD_SYNC = 1L << 4;
  public static final long FD_TELL = 1L << 5;
  public static final long FD_WRITE = 1L << 6;
  public static final long FD_ADVISE = 1L << 7;
  public static final long FD_ALLOCATE = 1L << 8;
  public static final long PATH_CREATE_DIRECTORY = 1L << 9;
  public static final long PATH_CREATE_FILE = 1L << 10;
  public static final long PATH_LINK_SOURCE = 1L << 11;
  public static final long PATH_LINK_TARGET = 1L << 12;
  public static final long PATH_OPEN = 1L << 13;
  public static final long FD_READDIR = 1L << 14;
  public static final long PATH_READLINK = 1L << 15;
  public static final long PATH_RENAME_SOURCE = 1L << 16;
  public static final long PATH_RENAME_TARGET = 1L << 17;
  public static final long PATH_FILESTAT_GET = 1L << 18;
  public static final long PATH_FILESTAT_SET_SIZE = 1L << 19;
  public static final long PATH_FILESTAT_SET_TIMES = 1L << 20;
  public static final long FD_FILESTAT_GET = 1L << 21;
  public static final long FD_FILESTAT_SET_SIZE = 1L << 22;
  public static final long FD_FILESTAT_SET_TIMES = 1L << 23;
  public static final long PATH_SYMLINK = 1L << 24;
  public static final long PATH_REMOVE_DIRECTORY = 1L << 25;
  public static final long PATH_UNLINK_FILE = 1L << 26;
  public static final long POLL_FD_READWRITE = 1L << 27;
  public static final long SOCK_SHUTDOWN = 1L << 28;
  public static final long SOCK_ACCEPT = 1L << 29;
  public static final long ALL = (1L << 30) - 1;

  /** Rights meaningful on a regular file. */
  public static final long FILE = FD_DATASYNC | FD_READ | FD_SEEK | FD_FDSTAT_SET_FLAGS | FD_SYNC
      | FD_TELL | FD_WRITE | FD_ADVISE | FD_ALLOCATE | FD_FILESTAT_GET | FD_FILESTAT_SET_SIZE
      | FD_FILESTAT_SET_TIMES | POLL_FD_READWRITE;

  /** Rights meaningful on a directory. */
  public static final long DIRECTORY = FD_SYNC | FD_DATASYNC | PATH_CREATE_DIRECTORY
      | PATH_CREATE_FILE | PATH_LINK_SOURCE | PATH_LINK_TARGET | PATH_OPEN | FD_READDIR
      | PATH_READLINK | PATH_RENAME_SOURCE | PATH_RENAME_TARGET | PATH_FILESTAT_GET
      | PATH_FILESTAT_SET_SIZE | PATH_FILESTAT_SET_TIMES | FD_FILESTAT_GET | FD_FILESTAT_SET_TIMES
      | PATH_SYMLINK | PATH_REMOVE_DIRECTORY | PATH_UNLINK_FILE;

  /** Rights that change the file system; a read-only preopen grants none of them. */
  public static final long MUTATING = FD_WRITE | FD_ALLOCATE | FD_FILESTAT_SET_SIZE
      | FD_FILESTAT_SET_TIMES | PATH_CREATE_DIRECTORY | PATH_CREATE_FILE | PATH_LINK_SOURCE
      | PATH_LINK_TARGET | PATH_RENAME_SOURCE | PATH_RENAME_TARGET | PATH_FILESTAT_SET_SIZE
      | PATH_FILESTAT_SET_TIMES | PATH_SYMLINK | PATH_REMOVE_DIRECTORY | PATH_UNLINK_FILE;

  /** Rights on an accepted TCP connection. */
  public static final long SOCKET = FD_READ | FD_WRITE | POLL_FD_READWRITE | SOCK_SHUTDOWN
      | FD_FILESTAT_GET | FD_FDSTAT_SET_FLAGS;

  /** Rights on a preopened TCP listener. */
  public static final long LISTENER = SOCK_ACCEPT | POLL_FD_READWRITE | FD_FILESTAT_GET
      | FD_FDSTAT_SET_FLAGS;

  private Rights() {}
}
