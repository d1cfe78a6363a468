package dev.skiff.internal;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import dev.skiff.wasi.WasiExitException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Wraps WASI host functions so that each call is decoded and reported: arguments by their WASI
 * meaning (descriptors, paths read from guest memory, flags by name), the errno, the values written
 * back through result pointers, and the time spent. Functions not traced are passed through as they are.
 */
public final class WasiTrace {
  /** Receives one decoded call. */
  public interface Sink {
    void call(String function, List<String> arguments, int errno, String errnoName, List<String> outputs,
        long nanos, Integer exitCode);
  }

  private static final String[] ERRNO = ("SUCCESS 2BIG ACCES ADDRINUSE ADDRNOTAVAIL AFNOSUPPORT AGAIN ALREADY "
      + "BADF BADMSG BUSY CANCELED CHILD CONNABORTED CONNREFUSED CONNRESET DEADLK DESTADDRREQ DOM DQUOT "
      + "EXIST FAULT FBIG HOSTUNREACH IDRM ILSEQ INPROGRESS INTR INVAL IO ISCONN ISDIR LOOP MFILE MLINK "
      + "MSGSIZE MULTIHOP NAMETOOLONG NETDOWN NETRESET NETUNREACH NFILE NOBUFS NODEV NOENT NOEXEC NOLCK "
      + "NOLINK NOMEM NOMSG NOPROTOOPT NOSPC NOSYS NOTCONN NOTDIR NOTEMPTY NOTRECOVERABLE NOTSOCK NOTSUP "
      + "NOTTY NXIO OVERFLOW OWNERDEAD PERM PIPE PROTO PROTONOSUPPORT PROTOTYPE RANGE ROFS SPIPE SRCH "
      + "STALE TIMEDOUT TXTBSY XDEV NOTCAPABLE").split(" ");
  private static final String[] RIGHTS = ("FD_DATASYNC FD_READ FD_SEEK FD_FDSTAT_SET_FLAGS FD_SYNC FD_TELL "
      + "FD_WRITE FD_ADVISE FD_ALLOCATE PATH_CREATE_DIRECTORY PATH_CREATE_FILE PATH_LINK_SOURCE "
      + "PATH_LINK_TARGET PATH_OPEN FD_READDIR PATH_READLINK PATH_RENAME_SOURCE PATH_RENAME_TARGET "
      + "PATH_FILESTAT_GET PATH_FILESTAT_SET_SIZE PATH_FILESTAT_SET_TIMES FD_FILESTAT_GET "
      + "FD_FILESTAT_SET_SIZE FD_FILESTAT_SET_TIMES PATH_SYMLINK PATH_REMOVE_DIRECTORY PATH_UNLINK_FILE "
      + "POLL_FD_READWRITE SOCK_SHUTDOWN SOCK_ACCEPT").split(" ");
  private static final Map<String, String[]> FLAGS = Map.of(
      "lookup", new String[] {"SYMLINK_FOLLOW"},
      "oflags", new String[] {"CREAT", "DIRECTORY", "EXCL", "TRUNC"},
      "fdflags", new String[] {"APPEND", "DSYNC", "NONBLOCK", "RSYNC", "SYNC"},
      "fst", new String[] {"ATIM", "ATIM_NOW", "MTIM", "MTIM_NOW"},
      "sdflags", new String[] {"RD", "WR"},
      "riflags", new String[] {"RECV_PEEK", "RECV_WAITALL"});
  private static final Map<String, String[]> ENUMS = Map.of(
      "whence", new String[] {"SET", "CUR", "END"},
      "clock", new String[] {"REALTIME", "MONOTONIC", "PROCESS_CPUTIME_ID", "THREAD_CPUTIME_ID"},
      "advice", new String[] {"NORMAL", "SEQUENTIAL", "RANDOM", "WILLNEED", "DONTNEED", "NOREUSE"});

  /**
   * Each function's parameters as {@code kind:name}. Kinds {@code path} and {@code iovs} take two Wasm
   * parameters (pointer, length); {@code out32}/{@code out64} are result pointers, decoded after a
   * successful call; {@code outpath} is a (pointer, length) buffer the host fills with a path.
   * Each parameter is kept as {kind, name}.
   */
  private static final Map<String, String[][]> SIGNATURES = new HashMap<>();

  static {
    String[] table = {
        "args_get ptr:argv ptr:argv_buf",
        "args_sizes_get out32:argc out32:argv_buf_size",
        "environ_get ptr:environ ptr:environ_buf",
        "environ_sizes_get out32:count out32:buf_size",
        "clock_res_get clock:id out64:resolution",
        "clock_time_get clock:id u64:precision out64:time",
        "fd_advise fd:fd u64:offset u64:len advice:advice",
        "fd_allocate fd:fd u64:offset u64:len",
        "fd_close fd:fd",
        "fd_datasync fd:fd",
        "fd_fdstat_get fd:fd ptr:buf",
        "fd_fdstat_set_flags fd:fd fdflags:flags",
        "fd_fdstat_set_rights fd:fd rights:base rights:inheriting",
        "fd_filestat_get fd:fd ptr:buf",
        "fd_filestat_set_size fd:fd u64:size",
        "fd_filestat_set_times fd:fd u64:atim u64:mtim fst:flags",
        "fd_pread fd:fd iovs:iovs u64:offset out32:nread",
        "fd_prestat_get fd:fd ptr:buf",
        "fd_prestat_dir_name fd:fd outpath:path",
        "fd_pwrite fd:fd iovs:iovs u64:offset out32:nwritten",
        "fd_read fd:fd iovs:iovs out32:nread",
        "fd_readdir fd:fd ptr:buf u32:buf_len u64:cookie out32:bufused",
        "fd_renumber fd:fd fd:to",
        "fd_seek fd:fd s64:offset whence:whence out64:offset",
        "fd_sync fd:fd",
        "fd_tell fd:fd out64:offset",
        "fd_write fd:fd iovs:iovs out32:nwritten",
        "path_create_directory fd:fd path:path",
        "path_filestat_get fd:fd lookup:flags path:path ptr:buf",
        "path_filestat_set_times fd:fd lookup:flags path:path u64:atim u64:mtim fst:fst_flags",
        "path_link fd:old_fd lookup:old_flags path:old_path fd:new_fd path:new_path",
        "path_open fd:fd lookup:dirflags path:path oflags:oflags rights:rights_base rights:rights_inheriting"
            + " fdflags:fdflags out32:fd",
        "path_readlink fd:fd path:path ptr:buf u32:buf_len out32:bufused",
        "path_remove_directory fd:fd path:path",
        "path_rename fd:fd path:old_path fd:new_fd path:new_path",
        "path_symlink path:old_path fd:fd path:new_path",
        "path_unlink_file fd:fd path:path",
        "poll_oneoff ptr:in ptr:out u32:nsubscriptions out32:nevents",
        "proc_exit u32:code",
        "proc_raise u32:signal",
        "sched_yield",
        "random_get ptr:buf u32:len",
        "sock_accept fd:fd fdflags:flags out32:fd",
        "sock_recv fd:fd iovs:ri_data riflags:ri_flags out32:ro_datalen out32:ro_flags",
        "sock_send fd:fd iovs:si_data u32:si_flags out32:so_datalen",
        "sock_shutdown fd:fd sdflags:how",
    };
    for (String line : table) {
      String[] words = line.split(" ");
      String[][] params = new String[words.length - 1][];
      for (int i = 1; i < words.length; i++) {
        params[i - 1] = words[i].split(":");
      }
      SIGNATURES.put(words[0], params);
    }
  }

  private WasiTrace() {}

  /** The functions, with those {@code traced} accepts wrapped to report to {@code sink}. */
  public static List<ImportFunction> wrap(ImportFunction[] functions, Predicate<String> traced, Sink sink) {
    List<ImportFunction> out = new ArrayList<>(functions.length);
    for (ImportFunction f : functions) {
      String[][] params = SIGNATURES.get(f.name());
      out.add(params == null || !traced.test(f.name()) ? f : wrap(f, params, sink));
    }
    return out;
  }

  private static ImportFunction wrap(ImportFunction f, String[][] params, Sink sink) {
    WasmFunctionHandle inner = f.handle();
    String name = f.name();
    WasmFunctionHandle traced = (instance, args) -> {
      List<String> decoded = decodeInputs(instance, params, args);
      long start = System.nanoTime();
      long[] results;
      try {
        results = inner.apply(instance, args);
      } catch (WasiExitException e) {
        sink.call(name, decoded, 0, ERRNO[0], List.of(), System.nanoTime() - start, e.exitCode());
        throw e;
      }
      long nanos = System.nanoTime() - start;
      int errno = results != null && results.length == 1 ? (int) results[0] : 0;
      List<String> outputs = errno == 0 ? decodeOutputs(instance, params, args) : List.of();
      sink.call(name, decoded, errno, errno >= 0 && errno < ERRNO.length ? ERRNO[errno] : "errno " + errno,
          outputs, nanos, null);
      return results;
    };
    return new HostFunction(f.module(), name, f.functionType(), traced);
  }

  private static List<String> decodeInputs(Instance instance, String[][] params, long[] args) {
    List<String> out = new ArrayList<>(params.length);
    int i = 0;
    for (String[] p : params) {
      String kind = p[0];
      String name = p[1];
      if (i >= args.length) {
        break;
      }
      switch (kind) {
        case "path":
          out.add(name + "=" + quoted(instance.memory(), (int) args[i], (int) args[i + 1]));
          i += 2;
          break;
        case "iovs":
          out.add(name + "=" + iovecs(instance.memory(), (int) args[i], (int) args[i + 1]));
          i += 2;
          break;
        case "outpath":
          i += 2;
          break;
        case "out32":
        case "out64":
          i++;
          break;
        case "ptr":
          out.add(name + "=0x" + Integer.toHexString((int) args[i++]));
          break;
        case "u32":
        case "fd":
          out.add(name + "=" + Integer.toUnsignedString((int) args[i++]));
          break;
        case "u64":
          out.add(name + "=" + Long.toUnsignedString(args[i++]));
          break;
        case "s64":
          out.add(name + "=" + args[i++]);
          break;
        case "rights":
          out.add(name + "=" + rights(args[i++]));
          break;
        default:
          String[] flags = FLAGS.get(kind);
          long v = args[i++];
          out.add(name + "=" + (flags != null ? flags(flags, v) : enumName(ENUMS.get(kind), (int) v)));
          break;
      }
    }
    return out;
  }

  private static List<String> decodeOutputs(Instance instance, String[][] params, long[] args) {
    List<String> out = new ArrayList<>(2);
    int i = 0;
    for (String[] p : params) {
      String kind = p[0];
      String name = p[1];
      if (i >= args.length) {
        break;
      }
      Memory memory = instance.memory();
      switch (kind) {
        case "path":
        case "iovs":
          i += 2;
          break;
        case "outpath":
          out.add(name + "=" + quoted(memory, (int) args[i], (int) args[i + 1]));
          i += 2;
          break;
        case "out32":
          out.add(name + "=" + Integer.toUnsignedString(memory.readInt((int) args[i++])));
          break;
        case "out64":
          out.add(name + "=" + Long.toUnsignedString(memory.readLong((int) args[i++])));
          break;
        default:
          i++;
          break;
      }
    }
    return out;
  }

  private static String quoted(Memory memory, int ptr, int len) {
    if (len < 0 || len > 4096) {
      return "<" + Integer.toUnsignedString(len) + " bytes at 0x" + Integer.toHexString(ptr) + ">";
    }
    try {
      String s = new String(memory.readBytes(ptr, len), StandardCharsets.UTF_8);
      StringBuilder b = new StringBuilder(len + 2).append('"');
      for (int k = 0; k < s.length(); k++) {
        char c = s.charAt(k);
        if (c == '"' || c == '\\') {
          b.append('\\').append(c);
        } else if (c < 0x20 || c == 0x7f) {
          b.append(String.format("\\x%02x", (int) c));
        } else {
          b.append(c);
        }
      }
      return b.append('"').toString();
    } catch (RuntimeException e) {
      return "<bad pointer 0x" + Integer.toHexString(ptr) + ">";
    }
  }

  /** {@code [3 iovecs, 4096 bytes]}: how much the guest offered, not the bytes themselves. */
  private static String iovecs(Memory memory, int ptr, int count) {
    try {
      long total = 0;
      for (int k = 0; k < count && k < 1024; k++) {
        total += Integer.toUnsignedLong(memory.readInt(ptr + 8 * k + 4));
      }
      return "[" + count + (count == 1 ? " iovec, " : " iovecs, ") + total + " bytes]";
    } catch (RuntimeException e) {
      return "<bad iovec array 0x" + Integer.toHexString(ptr) + ">";
    }
  }

  private static String flags(String[] names, long value) {
    if (value == 0) {
      return "0";
    }
    StringBuilder b = new StringBuilder();
    for (int bit = 0; bit < 64; bit++) {
      if ((value & (1L << bit)) != 0) {
        if (b.length() > 0) {
          b.append('|');
        }
        b.append(bit < names.length ? names[bit] : "0x" + Long.toHexString(1L << bit));
      }
    }
    return b.toString();
  }

  /** Rights by name when few are set; wasi-libc asks for all of them, shown as {@code ALL}. */
  private static String rights(long value) {
    long all = (1L << RIGHTS.length) - 1;
    if ((value & all) == all) {
      return (value & ~all) == 0 ? "ALL" : "ALL|0x" + Long.toHexString(value & ~all);
    }
    return Long.bitCount(value) <= 4 ? flags(RIGHTS, value) : "0x" + Long.toHexString(value);
  }

  private static String enumName(String[] names, int value) {
    return names != null && value >= 0 && value < names.length ? names[value] : Integer.toString(value);
  }
}
