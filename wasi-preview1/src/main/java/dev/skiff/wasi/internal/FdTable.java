package dev.skiff.wasi.internal;

import java.util.Arrays;

/** The guest's file descriptors: lowest free number first, bounded by a limit. */
final class FdTable {
  private Descriptor[] slots = new Descriptor[16];
  private int open;
  private final int max;

  FdTable(int max) {
    this.max = max;
  }

  Descriptor get(int fd) {
    return fd >= 0 && fd < slots.length ? slots[fd] : null;
  }

  Descriptor require(int fd) {
    Descriptor d = get(fd);
    if (d == null) {
      throw Errno.fail(Errno.EBADF);
    }
    return d;
  }

  int add(Descriptor d) {
    if (open >= max) {
      throw Errno.fail(Errno.EMFILE);
    }
    for (int i = 0; i < slots.length; i++) {
      if (slots[i] == null) {
        slots[i] = d;
        open++;
        return i;
      }
    }
    int fd = slots.length;
    slots = Arrays.copyOf(slots, slots.length * 2);
    slots[fd] = d;
    open++;
    return fd;
  }

  Descriptor remove(int fd) {
    Descriptor d = require(fd);
    slots[fd] = null;
    open--;
    return d;
  }

  /** Puts {@code d} in the place of the open descriptor {@code fd} (a socket changing kind). */
  void replace(int fd, Descriptor d) {
    require(fd);
    slots[fd] = d;
  }

  /**
   * Moves {@code from} over the open descriptor {@code to}; returns the one that was at {@code to}
   * (null when they are the same). Like wasmtime, a {@code to} that is not open is EBADF and
   * changes nothing.
   */
  Descriptor renumber(int from, int to) {
    Descriptor d = require(from);
    Descriptor old = require(to);
    if (from == to) {
      return null;
    }
    slots[to] = d;
    slots[from] = null;
    open--;
    return old;
  }

  /** Removes every descriptor, in fd order. */
  Descriptor[] clear() {
    Descriptor[] all = Arrays.stream(slots).filter(d -> d != null).toArray(Descriptor[]::new);
    Arrays.fill(slots, null);
    open = 0;
    return all;
  }
}
