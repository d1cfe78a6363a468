package dev.skiff.wasi.internal;

import java.util.Arrays;

/** The guest's file descriptors: lowest free number first, bounded by a limit. */
final class FdTable {
  /** fd_renumber may not move a descriptor beyond this number, so the table stays small. */
  private static final int MAX_FD_NUMBER = 1 << 16;

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

  /** Moves {@code from} to {@code to}; returns the descriptor that was at {@code to}, or null. */
  Descriptor renumber(int from, int to) {
    Descriptor d = require(from);
    if (from == to) {
      return null;
    }
    if (to < 0 || to >= MAX_FD_NUMBER) {
      throw Errno.fail(Errno.EBADF);
    }
    if (to >= slots.length) {
      slots = Arrays.copyOf(slots, Math.max(slots.length * 2, Integer.highestOneBit(to) * 2));
    }
    Descriptor old = slots[to];
    slots[to] = d;
    slots[from] = null;
    if (old != null) {
      open--;
    }
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
