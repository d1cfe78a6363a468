package dev.skiff.wasi.internal;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.skiff.wasi.Preopen;
import dev.skiff.wasi.WasiClock;
import dev.skiff.wasi.WasiExitException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * The state of one guest's WASI preview1 world and the 46 functions over it. Not thread-safe: one
 * per instance, called from the thread running the guest.
 */
public final class WasiHost implements AutoCloseable {
  public static final String MODULE = "wasi_snapshot_preview1";
  private static final System.Logger LOG = System.getLogger(WasiHost.class.getName());

  /** Copy buffer size: one allocation per host, reused by every read and write. */
  static final int BUFFER_SIZE = 64 * 1024;
  /** Longest path we accept from the guest (Linux's PATH_MAX is 4096; be generous). */
  private static final int MAX_PATH = 32 * 1024;

  private static final long[][] RESULTS = new long[Errno.COUNT][];

  static {
    for (int i = 0; i < RESULTS.length; i++) {
      RESULTS[i] = new long[] {i};
    }
  }

  private static final int OFLAGS_CREAT = 1;
  private static final int OFLAGS_DIRECTORY = 2;
  private static final int OFLAGS_EXCL = 4;
  private static final int OFLAGS_TRUNC = 8;
  private static final int FST_ATIM = 1;
  private static final int FST_ATIM_NOW = 2;
  private static final int FST_MTIM = 4;
  private static final int FST_MTIM_NOW = 8;

  final Guest guest = new Guest();
  /** Made at first use: a guest whose memory is a FlatMemory moves its bytes through windows instead. */
  private byte[] buffer;
  private ByteBuffer byteBuffer;

  private byte[] buffer() {
    scratch();
    return buffer;
  }

  private ByteBuffer scratch() {
    if (byteBuffer == null) {
      buffer = new byte[BUFFER_SIZE];
      byteBuffer = ByteBuffer.wrap(buffer);
    }
    return byteBuffer;
  }
  private final ByteBuffer small = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

  private final byte[] argBlob;
  private final int[] argOffsets;
  private final byte[] envBlob;
  private final int[] envOffsets;
  final FdTable fds;
  private final Descriptor.Sink stdoutSink;
  private final Descriptor.Sink stderrSink;
  private final WasiClock realtime;
  private final WasiClock monotonic;
  private final Random random;
  private Selector selector;
  private boolean closed;
  /** Where the guest may connect and what it may resolve (WasmEdge's socket ABI); nothing by default. */
  OutboundPolicy outbound = OutboundPolicy.denyAll();
  /** Every listener granted, for WasmEdge's sock_bind to match against. */
  final List<ServerSocketChannel> grantedListeners = new ArrayList<>();
  /** Listeners Skiff bound for this instance (not the embedder's): closed with it. */
  private final List<ServerSocketChannel> ownedListeners = new ArrayList<>();

  /**
   * Creates the world. Opens nothing the guest could see beyond what is passed in.
   *
   * @throws IOException if a preopen is not a directory
   */
  public WasiHost(List<String> args, Map<String, String> env, InputStream stdin, boolean stdinOwned,
      Descriptor.Sink stdout, Descriptor.Sink stderr, List<Preopen> preopens,
      List<ServerSocketChannel> listeners, WasiClock realtime, WasiClock monotonic, Random random,
      int maxOpenFiles) throws IOException {
    List<byte[]> a = new ArrayList<>();
    for (String s : args) {
      a.add(s.getBytes(StandardCharsets.UTF_8));
    }
    argOffsets = new int[a.size()];
    argBlob = blob(a, argOffsets);
    List<byte[]> e = new ArrayList<>();
    for (Map.Entry<String, String> en : env.entrySet()) {
      e.add((en.getKey() + "=" + en.getValue()).getBytes(StandardCharsets.UTF_8));
    }
    envOffsets = new int[e.size()];
    envBlob = blob(e, envOffsets);
    this.stdoutSink = stdout;
    this.stderrSink = stderr;
    this.realtime = realtime;
    this.monotonic = monotonic;
    this.random = random;
    this.fds = new FdTable(maxOpenFiles);
    fds.add(new Descriptor.Input(stdin, stdinOwned));
    fds.add(new Descriptor.Output(stdout));
    fds.add(new Descriptor.Output(stderr));
    try {
      for (Preopen p : preopens) {
        Path host = p.hostPath();
        if (!Files.isDirectory(host)) {
          throw new IllegalArgumentException("preopen " + p.guestPath() + ": " + host + " is not a directory");
        }
        boolean ro = p.access() == dev.skiff.wasi.Access.READ_ONLY;
        long mask = ro ? ~Rights.MUTATING : ~0L;
        fds.add(new Descriptor.Directory(ro, Sandbox.openRoot(host), p.guestPath(), Rights.DIRECTORY & mask,
            (Rights.DIRECTORY | Rights.FILE) & mask));
      }
    } catch (IOException | RuntimeException ex) {
      for (Descriptor d : fds.clear()) {
        if (d instanceof Descriptor.Directory) {
          quietly(d);
        }
      }
      throw ex;
    }
    for (ServerSocketChannel l : listeners) {
      fds.add(new Descriptor.Listener(l));
      grantedListeners.add(l);
    }
  }

  /**
   * Grants the network: listeners Skiff bound for this instance (numbered after the embedder's, and
   * closed with this host) and the outbound allow-list. Called once, right after construction.
   */
  public void grantNetwork(List<ServerSocketChannel> owned, OutboundPolicy policy) {
    for (ServerSocketChannel l : owned) {
      ownedListeners.add(l);
      fds.add(new Descriptor.Listener(l));
      grantedListeners.add(l);
    }
    this.outbound = policy;
  }

  private static byte[] blob(List<byte[]> items, int[] offsets) {
    int total = 0;
    for (byte[] b : items) {
      total += b.length + 1;
    }
    byte[] out = new byte[total];
    int pos = 0;
    for (int i = 0; i < items.size(); i++) {
      offsets[i] = pos;
      byte[] b = items.get(i);
      System.arraycopy(b, 0, out, pos, b.length);
      pos += b.length + 1;
    }
    return out;
  }

  public byte[] capturedStdout() {
    return stdoutSink.captured();
  }

  public byte[] capturedStderr() {
    return stderrSink.captured();
  }

  /** Closes what the guest opened and the sinks Skiff owns; never the embedder's streams. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Descriptor d : fds.clear()) {
      quietly(d);
    }
    try {
      stdoutSink.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing stdout failed", e);
    }
    try {
      stderrSink.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing stderr failed", e);
    }
    for (ServerSocketChannel l : ownedListeners) {
      try {
        l.close();
      } catch (IOException e) {
        LOG.log(System.Logger.Level.DEBUG, "closing listener failed", e);
      }
    }
    if (selector != null) {
      try {
        selector.close();
      } catch (IOException e) {
        LOG.log(System.Logger.Level.DEBUG, "closing selector failed", e);
      }
    }
  }

  private static void quietly(Descriptor d) {
    try {
      d.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing descriptor failed", e);
    }
  }

  // ---------------------------------------------------------------- host function plumbing

  @FunctionalInterface
  interface Impl {
    int call(long[] a) throws IOException;
  }

  /** A function of the table: it is given the world it serves, so one object serves every world. */
  @FunctionalInterface
  interface HostImpl {
    int call(WasiHost h, long[] a) throws IOException;
  }

  /** One function of {@code wasi_snapshot_preview1}: name, type and implementation, made once. */
  private static final class Entry {
    final String name;
    final FunctionType type;
    final HostImpl impl;

    Entry(String name, FunctionType type, HostImpl impl) {
      this.name = name;
      this.type = type;
      this.impl = impl;
    }
  }

  private static final List<Entry> TABLE = table();

  private static Entry entry(String name, String params, HostImpl impl) {
    return new Entry(name, type(params), impl);
  }

  private static FunctionType type(String params) {
    List<ValType> ps = new ArrayList<>();
    for (char c : params.toCharArray()) {
      ps.add(c == 'I' ? ValType.I64 : ValType.I32);
    }
    return FunctionType.of(ps, List.of(ValType.I32));
  }

  /** A function bound to this world (WasmEdge's socket flavours are made this way, per world). */
  HostFunction fn(String name, String params, Impl impl) {
    return new HostFunction(MODULE, name, type(params), (Instance inst, long... args) ->
        dispatch(this, inst, name, (h, a) -> impl.call(a), args));
  }

  private static long[] dispatch(WasiHost h, Instance inst, String name, HostImpl impl, long[] args) {
    if (h.closed) {
      return RESULTS[Errno.EBADF];
    }
    h.guest.bind(memoryOf(inst));
    try {
      return RESULTS[impl.call(h, args)];
    } catch (Errno.WasiErrnoException e) {
      return RESULTS[e.errno()];
    } catch (IOException e) {
      return RESULTS[Sandbox.errno(e)];
    } catch (WasiExitException e) {
      throw e;
    } catch (UnsupportedOperationException e) {
      return RESULTS[Errno.ENOTSUP];
    } catch (SecurityException e) {
      return RESULTS[Errno.EACCES];
    } catch (RuntimeException e) {
      // Guest input must never throw into the host; whatever slipped past our checks is EIO.
      LOG.log(System.Logger.Level.DEBUG, () -> "WASI " + name + " failed unexpectedly", e);
      return RESULTS[Errno.EIO];
    }
  }

  /** Returns all 46 functions of {@code wasi_snapshot_preview1}, bound to this world. */
  public HostFunction[] functions() {
    HostFunction[] f = new HostFunction[TABLE.size()];
    for (int k = 0; k < f.length; k++) {
      Entry e = TABLE.get(k);
      f[k] = e.name.equals("proc_exit") ? procExit(e)
          : new HostFunction(MODULE, e.name, e.type, (inst, args) -> dispatch(this, inst, e.name, e.impl, args));
    }
    return f;
  }

  /**
   * Returns the 46 functions of {@code wasi_snapshot_preview1} bound to no world: each call serves the
   * world that owns the calling instance's memory (a {@link FlatMemory} made for it), so one set serves
   * any number of instances and worlds. Keyed by name.
   */
  public static Map<String, HostFunction> sharedFunctions() {
    Map<String, HostFunction> f = new LinkedHashMap<>();
    for (Entry e : TABLE) {
      f.put(e.name, e.name.equals("proc_exit") ? procExit(e)
          : new HostFunction(MODULE, e.name, e.type,
              (inst, args) -> dispatch(ownerOf(inst), inst, e.name, e.impl, args)));
    }
    return f;
  }

  /** proc_exit needs no world and returns nothing: it throws, closed world or not. */
  private static HostFunction procExit(Entry e) {
    return new HostFunction(MODULE, e.name, e.type, (inst, args) -> {
      throw new WasiExitException((int) args[0]);
    });
  }

  private static WasiHost ownerOf(Instance inst) {
    Memory m = memoryOf(inst);
    WasiHost owner = m instanceof FlatMemory ? ((FlatMemory) m).owner() : null;
    if (owner == null) {
      // the embedder linked shared functions to an instance whose memory no world made: a host bug
      throw new IllegalStateException("no WASI world owns this instance's memory");
    }
    return owner;
  }

  private static Memory memoryOf(Instance inst) {
    try {
      return inst.memory();
    } catch (RuntimeException e) {
      return null;
    }
  }

  static int i(long v) {
    return (int) v;
  }

  /** The 46 functions of {@code wasi_snapshot_preview1}, made once: each takes the world it serves. */
  private static List<Entry> table() {
    List<Entry> f = new ArrayList<>(46);
    f.add(entry("args_get", "ii", (h, a) -> h.strings(i(a[0]), i(a[1]), h.argBlob, h.argOffsets)));
    f.add(entry("args_sizes_get", "ii", (h, a) -> h.sizes(i(a[0]), i(a[1]), h.argBlob, h.argOffsets)));
    f.add(entry("environ_get", "ii", (h, a) -> h.strings(i(a[0]), i(a[1]), h.envBlob, h.envOffsets)));
    f.add(entry("environ_sizes_get", "ii", (h, a) -> h.sizes(i(a[0]), i(a[1]), h.envBlob, h.envOffsets)));
    f.add(entry("clock_res_get", "ii", (h, a) -> h.clockResGet(i(a[0]), i(a[1]))));
    f.add(entry("clock_time_get", "iIi", (h, a) -> h.clockTimeGet(i(a[0]), i(a[2]))));
    f.add(entry("fd_advise", "iIIi", (h, a) -> h.fdAdvise(i(a[0]), a[1], a[2], i(a[3]))));
    f.add(entry("fd_allocate", "iII", (h, a) -> h.fdAllocate(i(a[0]), a[1], a[2])));
    f.add(entry("fd_close", "i", (h, a) -> h.fdClose(i(a[0]))));
    f.add(entry("fd_datasync", "i", (h, a) -> h.fdSync(i(a[0]), false)));
    f.add(entry("fd_fdstat_get", "ii", (h, a) -> h.fdFdstatGet(i(a[0]), i(a[1]))));
    f.add(entry("fd_fdstat_set_flags", "ii", (h, a) -> h.fdFdstatSetFlags(i(a[0]), i(a[1]))));
    f.add(entry("fd_fdstat_set_rights", "iII", (h, a) -> h.fdFdstatSetRights(i(a[0]), a[1], a[2])));
    f.add(entry("fd_filestat_get", "ii", (h, a) -> h.fdFilestatGet(i(a[0]), i(a[1]))));
    f.add(entry("fd_filestat_set_size", "iI", (h, a) -> h.fdFilestatSetSize(i(a[0]), a[1])));
    f.add(entry("fd_filestat_set_times", "iIIi", (h, a) -> h.fdFilestatSetTimes(i(a[0]), a[1], a[2], i(a[3]))));
    f.add(entry("fd_pread", "iiiIi", (h, a) -> h.fdPread(i(a[0]), i(a[1]), i(a[2]), a[3], i(a[4]))));
    f.add(entry("fd_prestat_get", "ii", (h, a) -> h.fdPrestatGet(i(a[0]), i(a[1]))));
    f.add(entry("fd_prestat_dir_name", "iii", (h, a) -> h.fdPrestatDirName(i(a[0]), i(a[1]), i(a[2]))));
    f.add(entry("fd_pwrite", "iiiIi", (h, a) -> h.fdPwrite(i(a[0]), i(a[1]), i(a[2]), a[3], i(a[4]))));
    f.add(entry("fd_read", "iiii", (h, a) -> h.fdRead(i(a[0]), i(a[1]), i(a[2]), i(a[3]))));
    f.add(entry("fd_readdir", "iiiIi", (h, a) -> h.fdReaddir(i(a[0]), i(a[1]), i(a[2]), a[3], i(a[4]))));
    f.add(entry("fd_renumber", "ii", (h, a) -> h.fdRenumber(i(a[0]), i(a[1]))));
    f.add(entry("fd_seek", "iIii", (h, a) -> h.fdSeek(i(a[0]), a[1], i(a[2]), i(a[3]))));
    f.add(entry("fd_sync", "i", (h, a) -> h.fdSync(i(a[0]), true)));
    f.add(entry("fd_tell", "ii", (h, a) -> h.fdTell(i(a[0]), i(a[1]))));
    f.add(entry("fd_write", "iiii", (h, a) -> h.fdWrite(i(a[0]), i(a[1]), i(a[2]), i(a[3]))));
    f.add(entry("path_create_directory", "iii", (h, a) -> h.pathCreateDirectory(i(a[0]), i(a[1]), i(a[2]))));
    f.add(entry("path_filestat_get", "iiiii",
        (h, a) -> h.pathFilestatGet(i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]))));
    f.add(entry("path_filestat_set_times", "iiiiIIi",
        (h, a) -> h.pathFilestatSetTimes(i(a[0]), i(a[1]), i(a[2]), i(a[3]), a[4], a[5], i(a[6]))));
    f.add(entry("path_link", "iiiiiii",
        (h, a) -> h.pathLink(i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), i(a[5]), i(a[6]))));
    f.add(entry("path_open", "iiiiiIIii",
        (h, a) -> h.pathOpen(i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), a[5], a[6], i(a[7]), i(a[8]))));
    f.add(entry("path_readlink", "iiiiii",
        (h, a) -> h.pathReadlink(i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), i(a[5]))));
    f.add(entry("path_remove_directory", "iii", (h, a) -> h.pathRemoveDirectory(i(a[0]), i(a[1]), i(a[2]))));
    f.add(entry("path_rename", "iiiiii",
        (h, a) -> h.pathRename(i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), i(a[5]))));
    f.add(entry("path_symlink", "iiiii", (h, a) -> h.pathSymlink(i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]))));
    f.add(entry("path_unlink_file", "iii", (h, a) -> h.pathUnlinkFile(i(a[0]), i(a[1]), i(a[2]))));
    f.add(entry("poll_oneoff", "iiii", (h, a) -> h.pollOneoff(i(a[0]), i(a[1]), i(a[2]), i(a[3]))));
    f.add(new Entry("proc_exit", FunctionType.of(List.of(ValType.I32), List.of()), (h, a) -> 0));
    // wasmtime answers ENOTSUP to every signal; there is no process to signal in a JVM either.
    f.add(entry("proc_raise", "i", (h, a) -> Errno.ENOTSUP));
    f.add(entry("sched_yield", "", (h, a) -> {
      Thread.yield();
      return 0;
    }));
    f.add(entry("random_get", "ii", (h, a) -> h.randomGet(i(a[0]), i(a[1]))));
    f.add(entry("sock_accept", "iii", (h, a) -> h.sockAccept(i(a[0]), i(a[1]), i(a[2]))));
    f.add(entry("sock_recv", "iiiiii", (h, a) -> h.sockRecv(i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), i(a[5]))));
    f.add(entry("sock_send", "iiiii", (h, a) -> h.sockSend(i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]))));
    f.add(entry("sock_shutdown", "ii", (h, a) -> h.sockShutdown(i(a[0]), i(a[1]))));
    return List.copyOf(f);
  }

  /**
   * Returns every flavour of WasmEdge's socket extension (V1 and V2 under the same names where they
   * differ in type, and the {@code *_v2} names); the linker picks by the import's type.
   */
  public List<HostFunction> wasmEdgeSocketFunctions() {
    return new WasmEdgeSockets(this).flavours();
  }

  // ---------------------------------------------------------------- args, environ, clocks, random

  private int strings(int ptrs, int buf, byte[] blob, int[] offsets) {
    guest.check(ptrs, 4L * offsets.length);
    guest.check(buf, blob.length);
    for (int k = 0; k < offsets.length; k++) {
      guest.i32(ptrs + 4 * k, buf + offsets[k]);
    }
    guest.write(buf, blob, 0, blob.length);
    return 0;
  }

  private int sizes(int countPtr, int sizePtr, byte[] blob, int[] offsets) {
    guest.i32(countPtr, offsets.length);
    guest.i32(sizePtr, blob.length);
    return 0;
  }

  private int clockResGet(int id, int ptr) {
    long res;
    switch (id) {
      case 0: res = realtime.resolutionNanos(); break;
      case 1: res = monotonic.resolutionNanos(); break;
      case 2: case 3: res = 1; break;
      default: return Errno.EINVAL;
    }
    guest.i64(ptr, res);
    return 0;
  }

  private int clockTimeGet(int id, int ptr) {
    guest.check(ptr, 8);
    long now;
    switch (id) {
      case 0: now = realtime.nanos(); break;
      case 1: now = monotonic.nanos(); break;
      case 2: now = ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos)
          .orElseGet(WasiHost::threadCpu); break;
      case 3: now = threadCpu(); break;
      default: return Errno.EINVAL;
    }
    if (now < 0) {
      return Errno.ENOTSUP;
    }
    guest.i64(ptr, now);
    return 0;
  }

  private static long threadCpu() {
    return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  private int randomGet(int ptr, int len) {
    long n = len & 0xFFFFFFFFL;
    guest.check(ptr, n);
    long done = 0;
    while (done < n) {
      int chunk = (int) Math.min(n - done, BUFFER_SIZE);
      byte[] b = chunk == BUFFER_SIZE ? buffer() : new byte[chunk];
      random.nextBytes(b);
      guest.write(ptr + (int) done, b, 0, chunk);
      done += chunk;
    }
    return 0;
  }

  // ---------------------------------------------------------------- fd_*

  private Descriptor.File file(int fd) {
    Descriptor d = fds.require(fd);
    if (d instanceof Descriptor.File) {
      return (Descriptor.File) d;
    }
    throw Errno.fail(Errno.EBADF);
  }

  /** Like {@link #file} but stdio and sockets, which cannot seek, give ESPIPE (as wasmtime). */
  private Descriptor.File seekable(int fd) {
    Descriptor d = fds.require(fd);
    if (d instanceof Descriptor.File) {
      return (Descriptor.File) d;
    }
    if (d instanceof Descriptor.Input || d instanceof Descriptor.Output || d instanceof Descriptor.Socket) {
      throw Errno.fail(Errno.ESPIPE);
    }
    throw Errno.fail(Errno.EBADF);
  }

  private int fdAdvise(int fd, long offset, long len, int advice) {
    Descriptor.File f = file(fd);
    if (advice < 0 || advice > 5 || offset < 0 || len < 0) {
      return Errno.EINVAL;
    }
    f.require(Rights.FD_ADVISE);
    return 0;
  }

  private int fdAllocate(int fd, long offset, long len) throws IOException {
    Descriptor.File f = file(fd);
    f.require(Rights.FD_ALLOCATE);
    if (offset < 0 || len <= 0) {
      return Errno.EINVAL;
    }
    long end = offset + len;
    if (end < 0) {
      return Errno.EFBIG;
    }
    // posix_fallocate semantics: the file grows to cover the range, never shrinks.
    if (end > f.channel.size()) {
      extend(f, end);
    }
    return 0;
  }

  private void extend(Descriptor.File f, long size) throws IOException {
    ByteBuffer one = ByteBuffer.allocate(1);
    if (f.fileChannel != null) {
      f.fileChannel.write(one, size - 1);
    } else {
      long p = f.channel.position();
      f.channel.position(size - 1).write(one);
      f.channel.position(p);
    }
  }

  private int fdClose(int fd) {
    quietly(fds.remove(fd));
    return 0;
  }

  private int fdSync(int fd, boolean metadata) throws IOException {
    Descriptor d = fds.require(fd);
    long right = metadata ? Rights.FD_SYNC : Rights.FD_DATASYNC;
    if (d instanceof Descriptor.File) {
      d.require(right);
      Descriptor.File f = (Descriptor.File) d;
      if (f.fileChannel != null) {
        f.fileChannel.force(metadata);
      }
      return 0;
    }
    if (d instanceof Descriptor.Directory) {
      // Directory entries are durable as far as java.nio can promise; POSIX allows fsync on them.
      d.require(right);
      return 0;
    }
    return Errno.EBADF;
  }

  private int fdFdstatGet(int fd, int ptr) {
    Descriptor d = fds.require(fd);
    guest.check(ptr, 24);
    guest.i64(ptr, (d.filetype() & 0xFF) | ((long) (d.fdflags & 0xFFFF) << 16));
    guest.i64(ptr + 8, d.rightsBase);
    guest.i64(ptr + 16, d.rightsInheriting);
    return 0;
  }

  private int fdFdstatSetFlags(int fd, int flags) throws IOException {
    Descriptor d = fds.require(fd);
    if (!(d instanceof Descriptor.File || d instanceof Descriptor.Socket || d instanceof Descriptor.Listener
        || d instanceof Descriptor.Pending)) {
      return Errno.EBADF;
    }
    d.require(Rights.FD_FDSTAT_SET_FLAGS);
    // Like wasmtime, only APPEND and NONBLOCK can change after open.
    if ((flags & ~(Descriptor.FDFLAGS_APPEND | Descriptor.FDFLAGS_NONBLOCK)) != 0) {
      return Errno.EINVAL;
    }
    if (!(d instanceof Descriptor.File) && (flags & Descriptor.FDFLAGS_APPEND) != 0) {
      return Errno.EINVAL;
    }
    if (d instanceof Descriptor.Socket) {
      ((Descriptor.Socket) d).channel.configureBlocking((flags & Descriptor.FDFLAGS_NONBLOCK) == 0);
    }
    d.fdflags = flags;
    return 0;
  }

  private int fdFdstatSetRights(int fd, long base, long inheriting) {
    Descriptor d = fds.require(fd);
    // Rights may only shrink (WASI preview1: "can only remove rights").
    if ((base & ~d.rightsBase) != 0 || (inheriting & ~d.rightsInheriting) != 0) {
      return Errno.ENOTCAPABLE;
    }
    d.rightsBase = base;
    d.rightsInheriting = inheriting;
    return 0;
  }

  private int fdFilestatGet(int fd, int ptr) throws IOException {
    Descriptor d = fds.require(fd);
    d.require(Rights.FD_FILESTAT_GET);
    guest.check(ptr, 64);
    Sandbox.Stat st;
    if (d instanceof Descriptor.File) {
      Descriptor.File f = (Descriptor.File) d;
      long size = f.channel.size();
      Sandbox.Stat s;
      try {
        s = Sandbox.stat(f.parent, f.name);
      } catch (IOException e) {
        // The file was renamed or unlinked since it was opened: report what the channel knows.
        s = new Sandbox.Stat(Descriptor.FILETYPE_REGULAR_FILE, 0, 0, 0, size, 0, 0, 0);
      }
      st = new Sandbox.Stat(Descriptor.FILETYPE_REGULAR_FILE, s.dev(), s.ino(), s.nlink(), size,
          s.atim(), s.mtim(), s.ctim());
    } else if (d instanceof Descriptor.Directory) {
      st = Sandbox.stat(((Descriptor.Directory) d).handle, null);
    } else {
      st = new Sandbox.Stat(d.filetype(), 0, 0, 0, 0, 0, 0, 0);
    }
    writeFilestat(ptr, st);
    return 0;
  }

  private void writeFilestat(int ptr, Sandbox.Stat st) {
    guest.check(ptr, 64);
    guest.i64(ptr, st.dev());
    guest.i64(ptr + 8, st.ino());
    guest.i64(ptr + 16, st.filetype() & 0xFF);
    guest.i64(ptr + 24, st.nlink());
    guest.i64(ptr + 32, st.size());
    guest.i64(ptr + 40, st.atim());
    guest.i64(ptr + 48, st.mtim());
    guest.i64(ptr + 56, st.ctim());
  }

  private int fdFilestatSetSize(int fd, long size) throws IOException {
    Descriptor.File f = file(fd);
    f.require(Rights.FD_FILESTAT_SET_SIZE);
    if (size < 0) {
      return Errno.EINVAL;
    }
    long cur = f.channel.size();
    if (size < cur) {
      long p = f.channel.position();
      f.channel.truncate(size);
      f.channel.position(p);
    } else if (size > cur) {
      extend(f, size);
    }
    return 0;
  }

  private int fdFilestatSetTimes(int fd, long atim, long mtim, int flags) throws IOException {
    Descriptor d = fds.require(fd);
    if (!(d instanceof Descriptor.File || d instanceof Descriptor.Directory)) {
      return Errno.EBADF;
    }
    checkTimeFlags(flags);
    d.require(Rights.FD_FILESTAT_SET_TIMES);
    if (d instanceof Descriptor.File) {
      // By the name it was opened with (java.nio cannot set times on a channel): the entry there now.
      setTimes(((Descriptor.File) d).parent, ((Descriptor.File) d).name, atim, mtim, flags);
    } else {
      setTimes(((Descriptor.Directory) d).handle, null, atim, mtim, flags);
    }
    return 0;
  }

  private static void checkTimeFlags(int flags) {
    if ((flags & ~15) != 0 || (flags & (FST_ATIM | FST_ATIM_NOW)) == (FST_ATIM | FST_ATIM_NOW)
        || (flags & (FST_MTIM | FST_MTIM_NOW)) == (FST_MTIM | FST_MTIM_NOW)) {
      throw Errno.fail(Errno.EINVAL);
    }
  }

  /** Sets the times of {@code name} in {@code dir} (of {@code dir} when null), never following a link. */
  private void setTimes(Sandbox.Dir dir, String name, long atim, long mtim, int flags) throws IOException {
    if ((flags & 15) == 0) {
      return;
    }
    // The NOW flags read the guest's realtime clock, so a fixed clock gives reproducible files.
    long now = (flags & (FST_ATIM_NOW | FST_MTIM_NOW)) != 0 ? realtime.nanos() : 0;
    FileTime a = (flags & FST_ATIM) != 0 ? time(atim) : (flags & FST_ATIM_NOW) != 0 ? time(now) : null;
    FileTime m = (flags & FST_MTIM) != 0 ? time(mtim) : (flags & FST_MTIM_NOW) != 0 ? time(now) : null;
    Staging.setTimes(dir, name, m, a);
  }

  private static FileTime time(long nanos) {
    // WASI timestamps are unsigned nanoseconds since the epoch.
    long secs = Long.divideUnsigned(nanos, 1_000_000_000L);
    long rem = Long.remainderUnsigned(nanos, 1_000_000_000L);
    return FileTime.from(Instant.ofEpochSecond(secs, rem));
  }

  private int fdPread(int fd, int iovs, int iovsLen, long offset, int nreadPtr) throws IOException {
    Descriptor.File f = seekable(fd);
    f.require(Rights.FD_READ | Rights.FD_SEEK);
    if (offset < 0) {
      return Errno.EINVAL;
    }
    guest.check(nreadPtr, 4);
    long n = readFile(f, iovs, iovsLen, offset);
    guest.i32(nreadPtr, (int) n);
    return 0;
  }

  private int fdPwrite(int fd, int iovs, int iovsLen, long offset, int nwrittenPtr) throws IOException {
    Descriptor.File f = seekable(fd);
    f.require(Rights.FD_WRITE | Rights.FD_SEEK);
    if (offset < 0) {
      return Errno.EINVAL;
    }
    guest.check(nwrittenPtr, 4);
    // Linux (and wasmtime) ignore the offset of pwrite on an O_APPEND file and append.
    boolean append = (f.fdflags & Descriptor.FDFLAGS_APPEND) != 0;
    long n = writeFile(f, iovs, iovsLen, append ? -1 : offset);
    guest.i32(nwrittenPtr, (int) n);
    return 0;
  }

  private int fdRead(int fd, int iovs, int iovsLen, int nreadPtr) throws IOException {
    Descriptor d = fds.require(fd);
    d.require(Rights.FD_READ);
    guest.check(nreadPtr, 4);
    long n;
    if (d instanceof Descriptor.File) {
      Descriptor.File f = (Descriptor.File) d;
      n = readFile(f, iovs, iovsLen, f.position);
      f.position += n;
    } else if (d instanceof Descriptor.Input) {
      n = readStream((Descriptor.Input) d, iovs, iovsLen);
    } else if (d instanceof Descriptor.Socket) {
      n = readSocket((Descriptor.Socket) d, iovs, iovsLen, false);
    } else {
      return Errno.EBADF;
    }
    guest.i32(nreadPtr, (int) n);
    return 0;
  }

  private int fdWrite(int fd, int iovs, int iovsLen, int nwrittenPtr) throws IOException {
    Descriptor d = fds.require(fd);
    d.require(Rights.FD_WRITE);
    guest.check(nwrittenPtr, 4);
    long n;
    if (d instanceof Descriptor.Output) {
      n = writeSink(((Descriptor.Output) d).sink, d, iovs, iovsLen);
    } else if (d instanceof Descriptor.File) {
      Descriptor.File f = (Descriptor.File) d;
      boolean append = (f.fdflags & Descriptor.FDFLAGS_APPEND) != 0;
      n = writeFile(f, iovs, iovsLen, append ? -1 : f.position);
      f.position = append ? f.channel.size() : f.position + n;
    } else if (d instanceof Descriptor.Socket) {
      n = writeSocket((Descriptor.Socket) d, iovs, iovsLen);
    } else {
      return Errno.EBADF;
    }
    guest.i32(nwrittenPtr, (int) n);
    return 0;
  }

  /**
   * Validates an iovec array. Like readv(2) and writev(2), a total length that the 32-bit ssize_t
   * result cannot hold is EINVAL (iovecs may all point at the same bytes, so this can exceed memory).
   */
  private void checkIovs(int iovs, int iovsLen) {
    guest.check(iovs, 8L * (iovsLen & 0xFFFFFFFFL));
    long total = 0;
    for (int k = 0; k < iovsLen; k++) {
      total += guest.i32(iovs + 8 * k + 4) & 0xFFFFFFFFL;
      if (total > Integer.MAX_VALUE) {
        throw Errno.fail(Errno.EINVAL);
      }
    }
  }

  /**
   * One host transfer of one piece of guest memory, at file offset {@code at} (or -1 where there is
   * no offset), after {@code moved} bytes of the same call: returns the bytes moved, or 0 or -1 to
   * end the call (end of input, or nothing more to take without blocking).
   */
  @FunctionalInterface
  private interface Move {
    int apply(Descriptor d, ByteBuffer piece, long at, long moved) throws IOException;
  }

  /**
   * Moves bytes between the guest memory named by the iovecs and the host, piece by piece: into the
   * guest when {@code toGuest}, else out of it. Stops at the end of input and at a short move
   * (unless {@code fill}, as MSG_WAITALL asks). A failure after some bytes moved gives a short count
   * instead, as POSIX does; the next call reports it.
   */
  private long transfer(boolean toGuest, int iovs, int iovsLen, Descriptor d, long at, boolean fill, Move move)
      throws IOException {
    checkIovs(iovs, iovsLen);
    long total = 0;
    try {
      for (int k = 0; k < iovsLen; k++) {
        int buf = guest.i32(iovs + 8 * k);
        long len = guest.i32(iovs + 8 * k + 4) & 0xFFFFFFFFL;
        guest.check(buf, len);
        for (long done = 0; done < len; ) {
          int addr = buf + (int) done;
          ByteBuffer scratch = guest.flat() ? null : scratch();
          ByteBuffer piece = toGuest ? guest.incoming(addr, len - done, scratch)
              : guest.outgoing(addr, len - done, scratch);
          int want = piece.remaining();
          int n = move.apply(d, piece, at < 0 ? -1 : at + total, total);
          if (n <= 0) {
            return total;
          }
          if (toGuest) {
            guest.landed(addr, piece, n);
          }
          total += n;
          done += n;
          if (n < want && !fill) {
            return total;
          }
        }
      }
    } catch (Errno.WasiErrnoException | IOException e) {
      if (total == 0) {
        throw e;
      }
    }
    return total;
  }

  private long readFile(Descriptor.File f, int iovs, int iovsLen, long offset) throws IOException {
    return transfer(true, iovs, iovsLen, f, offset, false, WasiHost::readFilePiece);
  }

  private static int readFilePiece(Descriptor d, ByteBuffer piece, long at, long moved) throws IOException {
    Descriptor.File f = (Descriptor.File) d;
    if (f.fileChannel != null) {
      return f.fileChannel.read(piece, at);
    }
    f.channel.position(at);
    return f.channel.read(piece);
  }

  /** Writes the iovecs at {@code offset}, or at the end of the file if {@code offset} is -1. */
  private long writeFile(Descriptor.File f, int iovs, int iovsLen, long offset) throws IOException {
    return transfer(false, iovs, iovsLen, f, offset < 0 ? f.channel.size() : offset, false,
        WasiHost::writeFilePiece);
  }

  private static int writeFilePiece(Descriptor d, ByteBuffer piece, long at, long moved) throws IOException {
    Descriptor.File f = (Descriptor.File) d;
    int n = 0;
    while (piece.hasRemaining()) {
      if (f.fileChannel != null) {
        n += f.fileChannel.write(piece, at + n);
      } else {
        f.channel.position(at + n);
        n += f.channel.write(piece);
      }
    }
    return n;
  }

  private long readStream(Descriptor.Input d, int iovs, int iovsLen) throws IOException {
    return d.in == null ? 0 : transfer(true, iovs, iovsLen, d, -1, false, WasiHost::readStreamPiece);
  }

  private static int readStreamPiece(Descriptor d, ByteBuffer piece, long at, long moved) throws IOException {
    InputStream in = ((Descriptor.Input) d).in;
    if (moved > 0 && in.available() <= 0) {
      return 0; // block at most once per call: with bytes in hand, nothing waiting ends it
    }
    return in.read(piece.array(), piece.arrayOffset() + piece.position(), piece.remaining());
  }

  private long writeSink(Descriptor.Sink sink, Descriptor d, int iovs, int iovsLen) throws IOException {
    try {
      return transfer(false, iovs, iovsLen, d, -1, false, WasiHost::writeSinkPiece);
    } finally {
      sink.flush();
    }
  }

  private static int writeSinkPiece(Descriptor d, ByteBuffer piece, long at, long moved) throws IOException {
    return ((Descriptor.Output) d).sink.write(piece.array(), piece.arrayOffset() + piece.position(),
        piece.remaining());
  }

  private long readSocket(Descriptor.Socket s, int iovs, int iovsLen, boolean waitAll) throws IOException {
    return transfer(true, iovs, iovsLen, s, -1, waitAll,
        waitAll ? WasiHost::readSocketPiece : WasiHost::readSocketPieceNoWait);
  }

  /**
   * A piece of a recv(2) without MSG_WAITALL: with bytes in hand, only what has already arrived, so
   * a blocking socket does not wait to fill the rest of the iovecs (or the rest of a buffer that
   * crosses a page of our memory).
   */
  private static int readSocketPieceNoWait(Descriptor d, ByteBuffer piece, long at, long moved)
      throws IOException {
    SocketChannel c = ((Descriptor.Socket) d).channel;
    if (moved == 0 || ((Descriptor.Socket) d).peeked != null || !c.isBlocking()) {
      return readSocketPiece(d, piece, at, moved);
    }
    c.configureBlocking(false);
    try {
      return c.read(piece); // 0 when nothing more has arrived: the call ends with what it has
    } finally {
      c.configureBlocking(true);
    }
  }

  private static int readSocketPiece(Descriptor d, ByteBuffer piece, long at, long moved) throws IOException {
    Descriptor.Socket s = (Descriptor.Socket) d;
    if (s.peeked != null) { // what a peek saw comes first
      int n = Math.min(piece.remaining(), s.peeked.remaining());
      piece.put(s.peeked.array(), s.peeked.position(), n);
      s.peeked.position(s.peeked.position() + n);
      if (!s.peeked.hasRemaining()) {
        s.peeked = null;
      }
      return n;
    }
    int r = s.channel.read(piece);
    if (r == 0) {
      throw Errno.fail(Errno.EAGAIN); // nothing waiting on a non-blocking socket
    }
    return r;
  }

  /**
   * MSG_PEEK, which java.nio sockets lack: one read (blocking if the socket blocks) into a buffer
   * the socket keeps until reads consume it, then a copy of what is waiting into the iovecs. Like
   * recv(2), it returns what has arrived without waiting for more.
   */
  private long peekSocket(Descriptor.Socket s, int iovs, int iovsLen) throws IOException {
    if (s.peeked == null) {
      ByteBuffer b = ByteBuffer.allocate(BUFFER_SIZE);
      int r = s.channel.read(b);
      if (r == 0) {
        throw Errno.fail(Errno.EAGAIN);
      }
      if (r < 0) {
        return 0; // the peer has shut down: nothing to see
      }
      s.peeked = b.flip();
    }
    return transfer(true, iovs, iovsLen, s, -1, true, WasiHost::peekPiece);
  }

  private static int peekPiece(Descriptor d, ByteBuffer piece, long at, long moved) {
    ByteBuffer peeked = ((Descriptor.Socket) d).peeked;
    int n = (int) Math.min(piece.remaining(), peeked.remaining() - moved);
    piece.put(peeked.array(), peeked.position() + (int) moved, n);
    return n;
  }

  private long writeSocket(Descriptor.Socket s, int iovs, int iovsLen) throws IOException {
    if (iovsLen > 1) {
      // Several small iovecs (an HTTP head and body, say) go out in one write, as writev(2) sends
      // them: one write each would meet Nagle's algorithm and the peer's delayed ACK (40 ms a reply).
      checkIovs(iovs, iovsLen);
      long total = 0;
      for (int k = 0; k < iovsLen; k++) {
        total += guest.i32(iovs + 8 * k + 4) & 0xFFFFFFFFL;
      }
      if (total <= BUFFER_SIZE) {
        byte[] buffer = buffer();
        int at = 0;
        for (int k = 0; k < iovsLen; k++) {
          int buf = guest.i32(iovs + 8 * k);
          int len = guest.i32(iovs + 8 * k + 4);
          guest.check(buf, len & 0xFFFFFFFFL);
          guest.read(buf, buffer, at, len);
          at += len;
        }
        return writeSocketPiece(s, scratch().clear().limit(at), -1, 0);
      }
    }
    return transfer(false, iovs, iovsLen, s, -1, false, WasiHost::writeSocketPiece);
  }

  private static int writeSocketPiece(Descriptor d, ByteBuffer piece, long at, long moved) throws IOException {
    int w = ((Descriptor.Socket) d).channel.write(piece);
    if (w == 0) {
      throw Errno.fail(Errno.EAGAIN); // the send buffer is full
    }
    return w;
  }

  private int fdPrestatGet(int fd, int ptr) {
    Descriptor d = fds.require(fd);
    if (!(d instanceof Descriptor.Directory) || ((Descriptor.Directory) d).preopenName == null) {
      return Errno.EBADF;
    }
    byte[] name = ((Descriptor.Directory) d).preopenName.getBytes(StandardCharsets.UTF_8);
    guest.check(ptr, 8);
    guest.i32(ptr, 0); // preopentype dir
    guest.i32(ptr + 4, name.length);
    return 0;
  }

  private int fdPrestatDirName(int fd, int ptr, int len) {
    Descriptor d = fds.require(fd);
    if (!(d instanceof Descriptor.Directory) || ((Descriptor.Directory) d).preopenName == null) {
      return Errno.ENOTDIR; // wasmtime's answer for an open fd that is not a preopen
    }
    byte[] name = ((Descriptor.Directory) d).preopenName.getBytes(StandardCharsets.UTF_8);
    if (name.length > (len & 0xFFFFFFFFL)) {
      return Errno.ENAMETOOLONG;
    }
    guest.check(ptr, name.length);
    guest.write(ptr, name, 0, name.length);
    return 0;
  }

  private int fdReaddir(int fd, int buf, int bufLen, long cookie, int usedPtr) throws IOException {
    Descriptor d = fds.require(fd);
    if (!(d instanceof Descriptor.Directory)) {
      return Errno.EBADF;
    }
    Descriptor.Directory dir = (Descriptor.Directory) d;
    dir.require(Rights.FD_READDIR);
    long cap = bufLen & 0xFFFFFFFFL;
    guest.check(buf, cap);
    guest.check(usedPtr, 4);
    if (cookie < 0) {
      return Errno.EINVAL;
    }
    if (cookie == 0 || dir.entries == null) {
      dir.entries = listDirectory(dir.handle);
    }
    // Cookies as in wasmtime: "." is 0 (d_next 1), ".." is 1 (d_next 2), then the entries in order.
    long used = 0;
    for (long k = cookie; k < dir.entries.size() && used < cap; k++) {
      Descriptor.DirEntry e = dir.entries.get((int) k);
      small.clear();
      small.putLong(k + 1).putLong(e.ino()).putInt(e.name().length).put((byte) e.type())
          .put((byte) 0).put((byte) 0).put((byte) 0);
      int head = (int) Math.min(24, cap - used);
      guest.write(buf + (int) used, small.array(), 0, head);
      used += head;
      int name = (int) Math.min(e.name().length, cap - used);
      guest.write(buf + (int) used, e.name(), 0, name);
      used += name;
    }
    guest.i32(usedPtr, (int) used);
    return 0;
  }

  private List<Descriptor.DirEntry> listDirectory(Sandbox.Dir dir) throws IOException {
    List<Descriptor.DirEntry> out = new ArrayList<>();
    long selfIno = Sandbox.stat(dir, null).ino();
    out.add(new Descriptor.DirEntry(new byte[] {'.'}, selfIno, Descriptor.FILETYPE_DIRECTORY));
    out.add(new Descriptor.DirEntry(new byte[] {'.', '.'}, selfIno, Descriptor.FILETYPE_DIRECTORY));
    List<String> children = new ArrayList<>();
    // A fresh stream on the handle's directory: a SecureDirectoryStream iterates only once.
    try (DirectoryStream<Path> ds = dir.handle.newDirectoryStream(dir.name("."), Sandbox.NOFOLLOW)) {
      for (Path p : ds) {
        children.add(p.getFileName().toString());
      }
    }
    children.sort(null);
    for (String name : children) {
      long ino = 0;
      int type = Descriptor.FILETYPE_UNKNOWN;
      try {
        Sandbox.Stat st = Sandbox.stat(dir, name);
        ino = st.ino();
        type = st.filetype();
      } catch (IOException e) {
        // Removed while listing: keep the name, as readdir would have.
      }
      out.add(new Descriptor.DirEntry(name.getBytes(StandardCharsets.UTF_8), ino, type));
    }
    return out;
  }

  private int fdRenumber(int from, int to) {
    Descriptor old = fds.renumber(from, to);
    if (old != null) {
      quietly(old);
    }
    return 0;
  }

  private int fdSeek(int fd, long offset, int whence, int newOffsetPtr) throws IOException {
    Descriptor.File f = seekable(fd);
    // An lseek(fd, 0, SEEK_CUR) is a tell: fd_tell is enough for it (as in wasi-common).
    f.require(offset == 0 && whence == 1 ? Rights.FD_TELL : Rights.FD_SEEK);
    guest.check(newOffsetPtr, 8);
    long base;
    switch (whence) {
      case 0: base = 0; break;
      case 1: base = f.position; break;
      case 2: base = f.channel.size(); break;
      default: return Errno.EINVAL;
    }
    long pos = base + offset;
    if ((offset > 0 && pos < base) || pos < 0) {
      return Errno.EINVAL;
    }
    f.position = pos;
    guest.i64(newOffsetPtr, pos);
    return 0;
  }

  private int fdTell(int fd, int ptr) {
    Descriptor.File f = seekable(fd);
    f.require(Rights.FD_TELL);
    guest.i64(ptr, f.position);
    return 0;
  }

  // ---------------------------------------------------------------- path_*

  private Descriptor.Directory dir(int fd, long right) {
    Descriptor d = fds.require(fd);
    if (!(d instanceof Descriptor.Directory)) {
      throw Errno.fail(d instanceof Descriptor.File ? Errno.ENOTDIR : Errno.EBADF);
    }
    d.require(right);
    return (Descriptor.Directory) d;
  }

  private String path(int ptr, int len) {
    long n = len & 0xFFFFFFFFL;
    if (n > MAX_PATH) {
      throw Errno.fail(Errno.ENAMETOOLONG);
    }
    guest.check(ptr, n);
    byte[] buffer = buffer();
    guest.read(ptr, buffer, 0, (int) n);
    try {
      CharBuffer cb = utf8.reset().decode(ByteBuffer.wrap(buffer, 0, (int) n));
      return cb.toString();
    } catch (CharacterCodingException e) {
      throw Errno.fail(Errno.EILSEQ);
    }
  }

  private static boolean isDir(BasicFileAttributes a) {
    return a != null && a.isDirectory();
  }

  private int pathCreateDirectory(int fd, int ptr, int len) throws IOException {
    Descriptor.Directory dir = dir(fd, Rights.PATH_CREATE_DIRECTORY);
    try (Sandbox.Resolved r = Sandbox.resolve(dir.handle, path(ptr, len), false)) {
      if (r.isRoot()) {
        return Errno.EEXIST;
      }
      Staging.mkdir(r.parent(), r.name());
      return 0;
    }
  }

  private int pathFilestatGet(int fd, int flags, int ptr, int len, int out) throws IOException {
    Descriptor.Directory dir = dir(fd, Rights.PATH_FILESTAT_GET);
    try (Sandbox.Resolved r = Sandbox.resolve(dir.handle, path(ptr, len), (flags & 1) != 0)) {
      guest.check(out, 64);
      Sandbox.Stat st = Sandbox.stat(r.parent(), r.name());
      if (r.trailingSlash() && st.filetype() != Descriptor.FILETYPE_DIRECTORY) {
        return Errno.ENOTDIR;
      }
      writeFilestat(out, st);
      return 0;
    }
  }

  private int pathFilestatSetTimes(int fd, int flags, int ptr, int len, long atim, long mtim, int fst)
      throws IOException {
    Descriptor.Directory dir = dir(fd, Rights.PATH_FILESTAT_SET_TIMES);
    checkTimeFlags(fst);
    try (Sandbox.Resolved r = Sandbox.resolve(dir.handle, path(ptr, len), (flags & 1) != 0)) {
      BasicFileAttributes a = r.lstat();
      if (a == null) {
        return Errno.ENOENT;
      }
      if (r.trailingSlash() && !a.isDirectory()) {
        return Errno.ENOTDIR;
      }
      setTimes(r.parent(), r.name(), atim, mtim, fst);
      return 0;
    }
  }

  private int pathLink(int oldFd, int oldFlags, int oldPtr, int oldLen, int newFd, int newPtr, int newLen)
      throws IOException {
    Descriptor.Directory from = dir(oldFd, Rights.PATH_LINK_SOURCE);
    Descriptor.Directory to = dir(newFd, Rights.PATH_LINK_TARGET);
    try (Sandbox.Resolved src = Sandbox.resolve(from.handle, path(oldPtr, oldLen), (oldFlags & 1) != 0);
        Sandbox.Resolved dst = Sandbox.resolve(to.handle, path(newPtr, newLen), false)) {
      BasicFileAttributes a = src.lstat();
      if (a == null) {
        return Errno.ENOENT;
      }
      if (a.isDirectory()) {
        return Errno.EPERM; // hard links to directories are not allowed (POSIX link(2))
      }
      if (src.trailingSlash()) {
        return Errno.ENOTDIR;
      }
      if (dst.isRoot() || dst.lstat() != null) {
        return Errno.EEXIST;
      }
      if (dst.trailingSlash()) {
        return Errno.ENOENT;
      }
      Staging.link(src.parent(), src.name(), dst.parent(), dst.name());
      return 0;
    }
  }

  private int pathOpen(int fd, int dirflags, int ptr, int len, int oflags, long base, long inheriting,
      int fdflags, int fdPtr) throws IOException {
    Descriptor.Directory dir = dir(fd, Rights.PATH_OPEN);
    guest.check(fdPtr, 4);
    if ((oflags & ~15) != 0 || (fdflags & ~31) != 0) {
      return Errno.EINVAL;
    }
    // Rights can only be inherited, never gained (WASI preview1 path_open).
    if ((base & ~dir.rightsInheriting) != 0 || (inheriting & ~dir.rightsInheriting) != 0) {
      return Errno.ENOTCAPABLE;
    }
    boolean creat = (oflags & OFLAGS_CREAT) != 0;
    boolean excl = (oflags & OFLAGS_EXCL) != 0;
    boolean trunc = (oflags & OFLAGS_TRUNC) != 0;
    boolean wantDir = (oflags & OFLAGS_DIRECTORY) != 0;
    if (creat) {
      dir.require(Rights.PATH_CREATE_FILE);
    }
    if (trunc) {
      dir.require(Rights.PATH_FILESTAT_SET_SIZE);
    }
    String path = path(ptr, len);
    // O_CREAT|O_EXCL never follows a final link: POSIX says it fails with EEXIST on any link.
    try (Sandbox.Resolved r = Sandbox.resolve(dir.handle, path, (dirflags & 1) != 0 && !(creat && excl))) {
      BasicFileAttributes a = r.lstat();
      if (a != null && a.isSymbolicLink()) {
        // The guest did not ask to follow the final link (O_NOFOLLOW semantics).
        return creat && excl ? Errno.EEXIST : Errno.ELOOP;
      }
      if (a == null) {
        if (!creat) {
          return Errno.ENOENT;
        }
        if (r.trailingSlash() || wantDir) {
          return wantDir ? Errno.EINVAL : Errno.EISDIR;
        }
      } else {
        if (creat && excl) {
          return Errno.EEXIST;
        }
        if (a.isDirectory()) {
          if ((base & Rights.FD_WRITE) != 0 || trunc) {
            return Errno.EISDIR;
          }
          Sandbox.Dir h = r.isRoot() ? r.parent().reopen() : r.parent().openChild(r.name());
          if (h == null) {
            return Errno.ELOOP; // swapped for a link since we looked: O_NOFOLLOW's answer
          }
          long b = base & Rights.DIRECTORY;
          long in = inheriting & dir.rightsInheriting;
          return added(new Descriptor.Directory(dir.readOnly, h, null, b, in), fdPtr);
        }
        if (wantDir || r.trailingSlash()) {
          return Errno.ENOTDIR;
        }
        if (!a.isRegularFile()) {
          return Errno.ENOTSUP; // devices, FIFOs and sockets inside a preopen are not served
        }
      }
      if (dir.readOnly && (base & Rights.FD_DATASYNC) != 0 || dir.readOnly && (fdflags & Descriptor.FDFLAGS_APPEND) != 0) {
        // Opening for writing where nothing may be written. The write rights themselves never
        // arrive: wasi-libc (like Rust's std) asks for them only through the directory's inheriting
        // rights, which here hold none; FD_DATASYNC is what both ask for exactly when writing.
        return Errno.ENOTCAPABLE;
      }
      Set<OpenOption> opts = new java.util.HashSet<>();
      opts.add(LinkOption.NOFOLLOW_LINKS);
      boolean write = (base & (Rights.FD_WRITE | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE)) != 0;
      boolean read = (base & Rights.FD_READ) != 0 || !write;
      if (read) {
        opts.add(StandardOpenOption.READ);
      }
      if (write || trunc || creat) {
        opts.add(StandardOpenOption.WRITE);
      }
      if (creat) {
        opts.add(excl || a == null ? StandardOpenOption.CREATE_NEW : StandardOpenOption.CREATE);
      }
      if (trunc) {
        opts.add(StandardOpenOption.TRUNCATE_EXISTING);
      }
      if ((fdflags & (Descriptor.FDFLAGS_SYNC | Descriptor.FDFLAGS_RSYNC)) != 0) {
        opts.add(StandardOpenOption.SYNC);
      } else if ((fdflags & Descriptor.FDFLAGS_DSYNC) != 0) {
        opts.add(StandardOpenOption.DSYNC);
      }
      // openat(2) on the parent's handle with O_NOFOLLOW: a link put there since we looked fails.
      var ch = r.parent().handle.newByteChannel(r.parent().name(r.name()), opts);
      Descriptor.File f = new Descriptor.File(ch, r.parent().retain(), r.name(), base & Rights.FILE,
          inheriting & dir.rightsInheriting);
      f.fdflags = fdflags;
      return added(f, fdPtr);
    }
  }

  int added(Descriptor d, int fdPtr) throws IOException {
    int fd;
    try {
      fd = fds.add(d);
    } catch (Errno.WasiErrnoException e) {
      d.close();
      throw e;
    }
    guest.i32(fdPtr, fd);
    return 0;
  }

  private int pathReadlink(int fd, int ptr, int len, int buf, int bufLen, int usedPtr) throws IOException {
    Descriptor.Directory dir = dir(fd, Rights.PATH_READLINK);
    try (Sandbox.Resolved r = Sandbox.resolve(dir.handle, path(ptr, len), false)) {
      BasicFileAttributes a = r.lstat();
      if (a == null) {
        return Errno.ENOENT;
      }
      if (!a.isSymbolicLink()) {
        return Errno.EINVAL;
      }
      byte[] target = Staging.readlink(r.parent(), r.name()).getBytes(StandardCharsets.UTF_8);
      int n = (int) Math.min(target.length, bufLen & 0xFFFFFFFFL);
      guest.check(buf, n);
      guest.check(usedPtr, 4);
      guest.write(buf, target, 0, n);
      guest.i32(usedPtr, n);
      return 0;
    }
  }

  private int pathRemoveDirectory(int fd, int ptr, int len) throws IOException {
    Descriptor.Directory dir = dir(fd, Rights.PATH_REMOVE_DIRECTORY);
    try (Sandbox.Resolved r = Sandbox.resolve(dir.handle, path(ptr, len), false)) {
      if (r.isRoot()) {
        return Errno.EBUSY; // the directory the guest resolved from (wasmtime: cannot remove it)
      }
      BasicFileAttributes a = r.lstat();
      if (a == null) {
        return Errno.ENOENT;
      }
      if (!a.isDirectory()) {
        return Errno.ENOTDIR;
      }
      r.parent().handle.deleteDirectory(r.parent().name(r.name()));
      return 0;
    }
  }

  private int pathRename(int fd, int oldPtr, int oldLen, int newFd, int newPtr, int newLen) throws IOException {
    Descriptor.Directory from = dir(fd, Rights.PATH_RENAME_SOURCE);
    Descriptor.Directory to = dir(newFd, Rights.PATH_RENAME_TARGET);
    try (Sandbox.Resolved src = Sandbox.resolve(from.handle, path(oldPtr, oldLen), false);
        Sandbox.Resolved dst = Sandbox.resolve(to.handle, path(newPtr, newLen), false)) {
      if (src.isRoot() || dst.isRoot()) {
        return Errno.EBUSY;
      }
      BasicFileAttributes sa = src.lstat();
      if (sa == null) {
        return Errno.ENOENT;
      }
      boolean srcDir = sa.isDirectory();
      if (!srcDir && (src.trailingSlash() || dst.trailingSlash())) {
        return Errno.ENOTDIR;
      }
      BasicFileAttributes da = dst.lstat();
      if (da != null && java.util.Objects.equals(sa.fileKey(), da.fileKey()) && sa.fileKey() != null) {
        return 0; // the same file (or hard links to it): rename(2) does nothing
      }
      if (srcDir && dst.host().startsWith(src.host())) {
        return Errno.EINVAL; // into its own subtree
      }
      if (da != null) {
        if (srcDir && !da.isDirectory()) {
          return Errno.ENOTDIR;
        }
        if (!srcDir && da.isDirectory()) {
          return Errno.EISDIR;
        }
        if (da.isDirectory()) {
          Sandbox.Dir d = dst.parent().openChild(dst.name());
          if (d != null) {
            try (DirectoryStream<Path> ds = d.handle.newDirectoryStream(d.name("."), Sandbox.NOFOLLOW)) {
              if (ds.iterator().hasNext()) {
                return Errno.ENOTEMPTY;
              }
            } finally {
              d.release();
            }
          }
        }
      }
      if (src.parent().host.getFileSystem() != FileSystems.getDefault()) {
        // Jimfs's handle moves the target of a link rather than the link: move by path there (an
        // in-memory file system only this JVM can change).
        Files.move(src.host(), dst.host(), StandardCopyOption.REPLACE_EXISTING);
        return 0;
      }
      // renameat(2) between the two handles: replaces a file or an empty directory atomically.
      src.parent().handle.move(src.parent().name(src.name()), dst.parent().handle, dst.parent().name(dst.name()));
      return 0;
    }
  }

  private int pathSymlink(int oldPtr, int oldLen, int fd, int newPtr, int newLen) throws IOException {
    Descriptor.Directory dir = dir(fd, Rights.PATH_SYMLINK);
    String target = path(oldPtr, oldLen);
    if (target.isEmpty()) {
      return Errno.ENOENT;
    }
    if (target.startsWith("/") || target.indexOf('\0') >= 0) {
      // An absolute target could never be followed inside the sandbox; cap-std refuses it too.
      return Errno.EPERM;
    }
    try (Sandbox.Resolved r = Sandbox.resolve(dir.handle, path(newPtr, newLen), false)) {
      if (r.isRoot() || r.lstat() != null) {
        return Errno.EEXIST;
      }
      if (r.trailingSlash()) {
        return Errno.ENOENT;
      }
      Staging.symlink(r.parent(), r.name(), target);
      return 0;
    }
  }

  private int pathUnlinkFile(int fd, int ptr, int len) throws IOException {
    Descriptor.Directory dir = dir(fd, Rights.PATH_UNLINK_FILE);
    try (Sandbox.Resolved r = Sandbox.resolve(dir.handle, path(ptr, len), false)) {
      if (r.isRoot()) {
        return Errno.EISDIR;
      }
      BasicFileAttributes a = r.lstat();
      if (a == null) {
        return Errno.ENOENT;
      }
      if (a.isDirectory()) {
        return Errno.EISDIR;
      }
      if (r.trailingSlash()) {
        return Errno.ENOTDIR;
      }
      r.parent().handle.deleteFile(r.parent().name(r.name()));
      return 0;
    }
  }

  // ---------------------------------------------------------------- poll_oneoff

  private int pollOneoff(int in, int out, int n, int neventsPtr) throws IOException {
    if (n == 0) {
      return Errno.EINVAL; // wasmtime: indefinite sleep is not supported
    }
    long count = n & 0xFFFFFFFFL;
    guest.check(in, 48 * count);
    guest.check(out, 32 * count);
    guest.check(neventsPtr, 4);
    if (count > 4096) {
      return Errno.EINVAL;
    }
    int subs = (int) count;
    long start = System.nanoTime();
    long[] deadline = new long[subs]; // for clocks: start-relative nanos; -1 for fd subscriptions
    int[] error = new int[subs];
    long[] nbytes = new long[subs];
    int[] rwflags = new int[subs];
    boolean[] ready = new boolean[subs];
    List<Integer> socketSubs = null;
    long earliest = Long.MAX_VALUE;
    boolean anyReady = false;
    for (int k = 0; k < subs; k++) {
      int s = in + 48 * k;
      int tag = guest.u8(s + 8);
      deadline[k] = -1;
      if (tag == 0) {
        int id = guest.i32(s + 16);
        long timeout = guest.i64(s + 24);
        int flags = guest.u16(s + 40);
        long wait;
        if ((flags & 1) != 0) {
          WasiClock c = id == 0 ? realtime : id == 1 ? monotonic : null;
          if (c == null) {
            error[k] = Errno.EINVAL;
            ready[k] = anyReady = true;
            continue;
          }
          wait = timeout - c.nanos();
        } else if (id >= 0 && id <= 3) {
          wait = timeout;
        } else {
          error[k] = Errno.EINVAL;
          ready[k] = anyReady = true;
          continue;
        }
        // Unsigned timeouts beyond Long.MAX_VALUE mean "practically never".
        deadline[k] = wait < 0 && (flags & 1) == 0 ? Long.MAX_VALUE : Math.max(0, wait);
        earliest = Math.min(earliest, deadline[k]);
      } else if (tag == 1 || tag == 2) {
        Descriptor d = fds.get(guest.i32(s + 16));
        if (d == null) {
          error[k] = Errno.EBADF;
          ready[k] = anyReady = true;
        } else if ((d.rightsBase & Rights.POLL_FD_READWRITE) == 0) {
          error[k] = Errno.ENOTCAPABLE;
          ready[k] = anyReady = true;
        } else if (d instanceof Descriptor.Socket || d instanceof Descriptor.Listener) {
          if (tag == 2 && d instanceof Descriptor.Socket) {
            nbytes[k] = 1;
            ready[k] = anyReady = true;
          } else if (d instanceof Descriptor.Socket && ((Descriptor.Socket) d).peeked != null) {
            nbytes[k] = ((Descriptor.Socket) d).peeked.remaining(); // a peek already holds bytes
            ready[k] = anyReady = true;
          } else {
            if (socketSubs == null) {
              socketSubs = new ArrayList<>();
            }
            socketSubs.add(k);
          }
        } else if (d instanceof Descriptor.File) {
          Descriptor.File f = (Descriptor.File) d;
          long left = Math.max(0, f.channel.size() - f.position);
          nbytes[k] = tag == 1 ? left : 1;
          ready[k] = anyReady = true;
        } else if (d instanceof Descriptor.Input && tag == 1) {
          InputStream is = ((Descriptor.Input) d).in;
          nbytes[k] = is == null ? 0 : Math.max(1, is.available());
          ready[k] = anyReady = true;
        } else if (d instanceof Descriptor.Output && tag == 2) {
          nbytes[k] = 1;
          ready[k] = anyReady = true;
        } else {
          error[k] = Errno.EBADF;
          ready[k] = anyReady = true;
        }
      } else {
        return Errno.EINVAL;
      }
    }
    if (socketSubs != null) {
      long waitNanos = anyReady ? 0 : earliest;
      selectSockets(in, socketSubs, waitNanos, ready, nbytes, rwflags);
      for (int k : socketSubs) {
        anyReady |= ready[k];
      }
    } else if (!anyReady && earliest != Long.MAX_VALUE) {
      long until = start + earliest;
      long left;
      while ((left = until - System.nanoTime()) > 0) {
        LockSupport.parkNanos(left);
        if (Thread.currentThread().isInterrupted()) {
          return Errno.EINTR;
        }
      }
    } else if (!anyReady) {
      return Errno.EINVAL; // nothing could ever become ready
    }
    long elapsed = System.nanoTime() - start;
    int written = 0;
    for (int k = 0; k < subs; k++) {
      boolean fire = ready[k] || (deadline[k] >= 0 && deadline[k] <= elapsed);
      if (!fire) {
        continue;
      }
      int s = in + 48 * k;
      int e = out + 32 * written;
      guest.i64(e, guest.i64(s));
      guest.i64(e + 8, (error[k] & 0xFFFF) | ((long) guest.u8(s + 8) << 16));
      guest.i64(e + 16, nbytes[k]);
      guest.i64(e + 24, rwflags[k]);
      written++;
    }
    guest.i32(neventsPtr, written);
    return 0;
  }

  private void selectSockets(int in, List<Integer> subs, long waitNanos, boolean[] ready, long[] nbytes,
      int[] rwflags) throws IOException {
    if (selector == null) {
      selector = Selector.open();
    }
    List<SelectionKey> keys = new ArrayList<>();
    List<Boolean> wasBlocking = new ArrayList<>();
    try {
      for (int k : subs) {
        Descriptor d = fds.get(guest.i32(in + 48 * k + 16));
        java.nio.channels.SelectableChannel ch = d instanceof Descriptor.Socket
            ? ((Descriptor.Socket) d).channel : ((Descriptor.Listener) d).channel;
        int op = d instanceof Descriptor.Socket ? SelectionKey.OP_READ : SelectionKey.OP_ACCEPT;
        wasBlocking.add(ch.isBlocking());
        ch.configureBlocking(false);
        SelectionKey key = ch.keyFor(selector);
        if (key == null || !key.isValid()) {
          key = ch.register(selector, op);
        } else {
          key.interestOps(op);
        }
        key.attach(k);
        keys.add(key);
      }
      long until = System.nanoTime() + waitNanos;
      while (true) {
        long left = until - System.nanoTime();
        int found;
        if (waitNanos == 0 || left <= 0) {
          found = selector.selectNow();
        } else {
          // Bounded waits so an interrupt of the guest thread is noticed promptly.
          found = selector.select(Math.max(1, Math.min(left / 1_000_000, 100)));
        }
        if (found > 0 || waitNanos == 0 || left <= 0) {
          break;
        }
        if (Thread.currentThread().isInterrupted()) {
          throw Errno.fail(Errno.EINTR);
        }
      }
      for (SelectionKey key : selector.selectedKeys()) {
        int k = (Integer) key.attachment();
        ready[k] = true;
        nbytes[k] = 1;
      }
      selector.selectedKeys().clear();
    } finally {
      for (int j = 0; j < keys.size(); j++) {
        SelectionKey key = keys.get(j);
        key.cancel();
      }
      selector.selectNow(); // flush cancelled keys so channels can go back to blocking mode
      for (int j = 0; j < keys.size(); j++) {
        keys.get(j).channel().configureBlocking(wasBlocking.get(j));
      }
    }
  }

  // ---------------------------------------------------------------- sock_*

  int sockAccept(int fd, int flags, int fdPtr) throws IOException {
    Descriptor d = fds.require(fd);
    if (!(d instanceof Descriptor.Listener)) {
      return d instanceof Descriptor.Socket || d instanceof Descriptor.Pending ? Errno.EINVAL : Errno.ENOTSOCK;
    }
    d.require(Rights.SOCK_ACCEPT);
    if ((flags & ~Descriptor.FDFLAGS_NONBLOCK) != 0) {
      return Errno.EINVAL;
    }
    guest.check(fdPtr, 4);
    ServerSocketChannel l = ((Descriptor.Listener) d).channel;
    boolean nonblocking = (d.fdflags & Descriptor.FDFLAGS_NONBLOCK) != 0;
    SocketChannel c = null;
    boolean wasBlocking = l.isBlocking();
    // Never block inside accept(): an interrupt would close the embedder's listener.
    if (wasBlocking) {
      l.configureBlocking(false);
    }
    try {
      while (c == null) {
        c = l.accept();
        if (c == null) {
          if (nonblocking) {
            return Errno.EAGAIN;
          }
          if (Thread.currentThread().isInterrupted()) {
            return Errno.EINTR;
          }
          if (selector == null) {
            selector = Selector.open();
          }
          SelectionKey key = l.register(selector, SelectionKey.OP_ACCEPT);
          try {
            selector.select(100);
            selector.selectedKeys().clear();
          } finally {
            key.cancel();
            selector.selectNow();
          }
        }
      }
    } finally {
      if (wasBlocking) {
        l.configureBlocking(true);
      }
    }
    c.configureBlocking((flags & Descriptor.FDFLAGS_NONBLOCK) == 0);
    Descriptor.Socket s = new Descriptor.Socket(c);
    s.rightsBase &= d.rightsInheriting;
    s.fdflags = flags;
    return added(s, fdPtr);
  }

  private Descriptor.Socket socket(int fd) {
    Descriptor d = fds.require(fd);
    if (d instanceof Descriptor.Socket) {
      return (Descriptor.Socket) d;
    }
    throw Errno.fail(d instanceof Descriptor.Listener || d instanceof Descriptor.Pending ? Errno.ENOTCONN
        : Errno.ENOTSOCK);
  }

  int sockRecv(int fd, int iovs, int iovsLen, int riflags, int dataLenPtr, int roflagsPtr)
      throws IOException {
    Descriptor.Socket s = socket(fd);
    s.require(Rights.FD_READ);
    if ((riflags & ~3) != 0) {
      return Errno.EINVAL;
    }
    guest.check(dataLenPtr, 4);
    guest.check(roflagsPtr, 2);
    long n = (riflags & 1) != 0 ? peekSocket(s, iovs, iovsLen)
        : readSocket(s, iovs, iovsLen, (riflags & 2) != 0);
    guest.i32(dataLenPtr, (int) n);
    guest.check(roflagsPtr, 2);
    guest.memory.writeShort(roflagsPtr, (short) 0);
    return 0;
  }

  int sockSend(int fd, int iovs, int iovsLen, int siflags, int dataLenPtr) throws IOException {
    Descriptor.Socket s = socket(fd);
    s.require(Rights.FD_WRITE);
    if (siflags != 0) {
      return Errno.EINVAL; // preview1 defines no send flags
    }
    guest.check(dataLenPtr, 4);
    long n = writeSocket(s, iovs, iovsLen);
    guest.i32(dataLenPtr, (int) n);
    return 0;
  }

  private int sockShutdown(int fd, int how) throws IOException {
    Descriptor.Socket s = socket(fd);
    s.require(Rights.SOCK_SHUTDOWN);
    if (how < 1 || how > 3) {
      return Errno.EINVAL;
    }
    try {
      if ((how & 1) != 0) {
        s.channel.shutdownInput();
        s.peeked = null; // nothing more is read, peeked bytes included
      }
      if ((how & 2) != 0) {
        s.channel.shutdownOutput();
      }
    } catch (java.nio.channels.NotYetConnectedException e) {
      return Errno.ENOTCONN;
    }
    return 0;
  }
}
