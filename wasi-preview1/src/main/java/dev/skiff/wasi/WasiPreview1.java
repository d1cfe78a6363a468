package dev.skiff.wasi;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.skiff.wasi.internal.Descriptor;
import dev.skiff.wasi.internal.FlatMemory;
import dev.skiff.wasi.internal.OutboundPolicy;
import dev.skiff.wasi.internal.WasiHost;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A WASI preview1 world for one Wasm instance: the 46 host functions of
 * {@code wasi_snapshot_preview1} over the capabilities in {@link WasiOptions}, and WasmEdge's socket
 * extension of the same module for modules that import it ({@link #toHostFunctions(WasmModule)}). Not thread-safe;
 * use it from the thread that runs the guest.
 *
 * <pre>{@code
 * try (WasiPreview1 wasi = WasiPreview1.create(options)) {
 *   Instance instance = Instance.builder(module)
 *       .withImportValues(ImportValues.builder().addFunction(wasi.toHostFunctions(module)).build())
 *       .withMemoryFactory(WasiPreview1::memory)
 *       .withStart(false)
 *       .build();
 *   int exitCode = 0;
 *   try {
 *     instance.export("_start").apply();
 *   } catch (WasiExitException e) {
 *     exitCode = e.exitCode();
 *   }
 *   byte[] out = wasi.capturedStdout();
 * }
 * }</pre>
 *
 * <p>Every failure caused by guest input is reported to the guest as an errno; no Java exception
 * crosses into the host except {@link WasiExitException} from {@code proc_exit}.
 */
public final class WasiPreview1 implements AutoCloseable {
  private final WasiHost host;

  private WasiPreview1(WasiHost host) {
    this.host = host;
  }

  /** The world's state, for {@link InstanceTemplate}'s memories. */
  WasiHost host() {
    return host;
  }

  /**
   * Creates the linear memory of an instance that uses this WASI, for
   * {@code Instance.Builder.withMemoryFactory(WasiPreview1::memory)}. With it, {@code fd_read},
   * {@code fd_write}, {@code fd_pread}, {@code fd_pwrite} and the socket calls move bytes straight
   * between guest memory and the host's files, streams and sockets; with any other memory they work
   * the same, through one more copy. Shared memories (Wasm threads) get Chicory's own.
   *
   * @param limits the memory's page limits, as Chicory passes them
   * @return a new, zeroed memory of {@code limits.initialPages()} pages
   */
  public static Memory memory(MemoryLimits limits) {
    return limits.shared() ? new ByteArrayMemory(limits) : new FlatMemory(limits);
  }

  /**
   * Creates the world, opening the stdin file and output files named in the options.
   *
   * @param options the capabilities
   * @return a new instance, to be closed after the guest finishes
   * @throws UncheckedIOException if a stdin or output file cannot be opened, or a
   *     {@link WasiOptions.Builder#tcpListen} address cannot be bound (its port in use, say)
   * @throws IllegalArgumentException if a preopen's host path is not a directory
   */
  public static WasiPreview1 create(WasiOptions options) {
    Objects.requireNonNull(options, "options");
    OutboundPolicy outbound = OutboundPolicy.of(options.allowedOutbound());
    List<ServerSocketChannel> listeners = listen(options.tcpListen());
    try {
      WasiPreview1 wasi = open(options);
      wasi.host.grantNetwork(listeners, outbound);
      return wasi;
    } catch (RuntimeException e) {
      closeAll(listeners);
      throw e;
    }
  }

  /** Binds every address before the guest starts, so a port in use is a start-up error. */
  private static List<ServerSocketChannel> listen(List<InetSocketAddress> addresses) {
    List<ServerSocketChannel> bound = new ArrayList<>();
    for (InetSocketAddress a : addresses) {
      ServerSocketChannel c = null;
      try {
        c = ServerSocketChannel.open();
        c.bind(a);
        bound.add(c);
      } catch (IOException e) {
        closeAll(bound);
        if (c != null) {
          closeAll(List.of(c));
        }
        throw new UncheckedIOException("Cannot listen on " + a.getAddress().getHostAddress() + ":"
            + a.getPort() + " for the guest: " + e.getMessage()
            + "; pick a free port or stop the program that holds it.", e);
      }
    }
    return bound;
  }

  private static void closeAll(List<ServerSocketChannel> channels) {
    for (ServerSocketChannel c : channels) {
      try {
        c.close();
      } catch (IOException ignored) {
        // best effort while failing
      }
    }
  }

  private static WasiPreview1 open(WasiOptions options) {
    StdinSpec in = (StdinSpec) options.stdin();
    InputStream stdin = null;
    Descriptor.Sink out = null;
    Descriptor.Sink err = null;
    try {
      boolean owned = false;
      switch (in.kind) {
        case BYTES: stdin = new ByteArrayInputStream(in.bytes); owned = true; break;
        case STREAM: stdin = in.stream; break;
        case FILE: stdin = Files.newInputStream(in.file); owned = true; break;
        case INHERIT: stdin = System.in; break;
        default: break;
      }
      out = sink((OutputSpec) options.stdout(), true);
      err = sink((OutputSpec) options.stderr(), false);
      return new WasiPreview1(new WasiHost(options.args(), options.env(), stdin, owned, out, err,
          options.preopens(), options.tcpListeners(), options.realtimeClock(),
          options.monotonicClock(), options.random(), options.maxOpenFiles()));
    } catch (IOException e) {
      closeQuietly(in.kind == StdinSpec.Kind.FILE ? stdin : null, out, err);
      throw new UncheckedIOException("cannot open WASI stdio: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(in.kind == StdinSpec.Kind.FILE || in.kind == StdinSpec.Kind.BYTES ? stdin : null, out, err);
      throw e;
    }
  }

  private static void closeQuietly(InputStream in, Descriptor.Sink out, Descriptor.Sink err) {
    try {
      if (in != null) {
        in.close();
      }
    } catch (IOException ignored) {
      // best effort while failing
    }
    for (Descriptor.Sink s : new Descriptor.Sink[] {out, err}) {
      if (s != null) {
        try {
          s.release();
        } catch (IOException ignored) {
          // best effort while failing
        }
      }
    }
  }

  private static Descriptor.Sink sink(OutputSpec spec, boolean stdout) throws IOException {
    switch (spec.kind) {
      case CAPTURE: return Descriptor.Sink.capture(spec.maxBytes);
      case STREAM: return Descriptor.Sink.stream(spec.stream, false, spec.maxBytes);
      case FILE: return Descriptor.Sink.stream(Files.newOutputStream(spec.file), true, spec.maxBytes);
      case INHERIT: return Descriptor.Sink.stream(stdout ? System.out : System.err, false, spec.maxBytes);
      default: return Descriptor.Sink.discard(spec.maxBytes);
    }
  }

  /**
   * Returns the 46 host functions of module {@code wasi_snapshot_preview1}, for
   * {@code ImportValues.builder().addFunction(...)}.
   *
   * @return a new array of host functions bound to this world
   */
  public HostFunction[] toHostFunctions() {
    return host.functions();
  }

  /**
   * Returns the host functions for {@code module}: the 46 of {@link #toHostFunctions()}, and for each
   * WasmEdge socket function the module imports from {@code wasi_snapshot_preview1}, the flavour
   * whose type equals the import's (WasmEdge's V1 and V2 share names: {@code sock_accept(fd, fd_out)}
   * is V1, {@code sock_accept(fd, flags, fd_out)} is preview1's and V2's, and so on). An import whose
   * type matches no flavour is left out, so linking reports it.
   *
   * @param module the module to link
   * @return a new array of host functions bound to this world
   */
  public HostFunction[] toHostFunctions(WasmModule module) {
    Map<String, HostFunction> chosen = new LinkedHashMap<>();
    for (HostFunction f : host.functions()) {
      chosen.put(f.name(), f);
    }
    List<HostFunction> flavours = null;
    for (int k = 0; k < module.importSection().importCount(); k++) {
      Import i = module.importSection().getImport(k);
      if (!(i instanceof FunctionImport) || !WasiHost.MODULE.equals(i.module())) {
        continue;
      }
      FunctionType wanted = module.typeSection().getType(((FunctionImport) i).typeIndex());
      HostFunction current = chosen.get(i.name());
      if (current != null && current.functionType().typesMatch(wanted)) {
        continue;
      }
      if (flavours == null) {
        flavours = host.wasmEdgeSocketFunctions();
      }
      for (HostFunction f : flavours) {
        if (f.name().equals(i.name()) && f.functionType().typesMatch(wanted)) {
          chosen.put(f.name(), f);
          break;
        }
      }
    }
    return chosen.values().toArray(new HostFunction[0]);
  }

  /**
   * Returns what the guest wrote to stdout when it was configured with {@link Output#capture(int)}.
   *
   * @return a copy of the captured bytes; empty when not capturing
   */
  public byte[] capturedStdout() {
    return host.capturedStdout();
  }

  /**
   * Returns what the guest wrote to stderr when it was configured with {@link Output#capture(int)}.
   *
   * @return a copy of the captured bytes; empty when not capturing
   */
  public byte[] capturedStderr() {
    return host.capturedStderr();
  }

  /**
   * Closes every file, directory and connection the guest has open and the stdio files Skiff
   * opened; never a stream, channel or listener the embedder passed in. Idempotent.
   */
  @Override
  public void close() {
    host.close();
  }
}
