package dev.skiff;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.types.FunctionType;
import dev.skiff.internal.Guest;
import dev.skiff.internal.GuestThreads;
import dev.skiff.internal.Modules;
import dev.skiff.wasi.WasiExitException;
import dev.skiff.wasi.WasiPreview1;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A live instance of a module, for reactors and plain modules whose exports the caller calls. Not
 * thread-safe: use one instance per thread (instance-per-request is cheap, the parsed and compiled module
 * is shared). Close it to release the files its guest opened.
 *
 * <pre>{@code
 * try (WasmInstance i = artifact.runner().instantiate()) {
 *   int sum = i.function("add").callInt(2, 3);
 * }
 * }</pre>
 *
 * <p>After a timeout or a trap the instance is unusable and every further call throws
 * {@link IllegalStateException}.
 */
public final class WasmInstance implements AutoCloseable {
  private final Instance instance;
  private final WasiPreview1 wasi;
  private final GuestThreads threads;
  private final Duration timeout;
  private volatile String brokenBy;
  private volatile boolean closed;

  WasmInstance(Instance instance, WasiPreview1 wasi, GuestThreads threads, Duration timeout) {
    this.instance = instance;
    this.wasi = wasi;
    this.threads = threads;
    this.timeout = timeout;
  }

  /**
   * The exported function {@code name}.
   *
   * @throws IllegalArgumentException if there is no such function export; the message lists them
   * @param name the name
   * @return the exported function {@code name}
   */
  public WasmFunction function(String name) {
    ensureUsable();
    if (!Modules.exportsFunction(instance.module(), name)) {
      throw new IllegalArgumentException("No exported function '" + name + "'; exports: " + exportedFunctions());
    }
    ExportFunction export = instance.export(name);
    FunctionType type = instance.exportType(name);
    return new WasmFunction(this, name, export, type);
  }

  /**
   * Names of the exported functions.
   *
   * @return names of the exported functions
   */
  public List<String> exportedFunctions() {
    return Modules.exportedFunctionNames(instance.module());
  }


  /**
   * The current size of linear memory 0 in bytes.
   *
   * @return the current size of linear memory 0 in bytes
   */
  public long memorySize() {
    return (long) memory().pages() * Memory.PAGE_SIZE;
  }

  /**
   * Copies {@code length} bytes of linear memory from {@code address}.
   *
   * @param address the byte offset in linear memory
   * @param length how many bytes
   * @return a copy of the bytes
   */
  public byte[] readBytes(int address, int length) {
    return memory().readBytes(address, length);
  }

  /**
   * Copies {@code data} into linear memory at {@code address}.
   *
   * @param address the byte offset in linear memory
   * @param data the bytes
   */
  public void writeBytes(int address, byte[] data) {
    memory().write(address, data);
  }

  /**
   * Decodes {@code length} bytes at {@code address} as UTF-8.
   *
   * @param address the byte offset in linear memory
   * @param length how many bytes
   * @return the decoded text
   */
  public String readString(int address, int length) {
    return new String(readBytes(address, length), StandardCharsets.UTF_8);
  }

  /**
   * Decodes the NUL-terminated UTF-8 string at {@code address}.
   *
   * @param address the byte offset in linear memory
   * @return the decoded text
   */
  public String readCString(int address) {
    return memory().readCString(address);
  }

  /**
   * Encodes {@code text} as UTF-8 at {@code address} (no terminator) and returns the byte count.
   *
   * @param address the byte offset in linear memory
   * @param text the text
   * @return the number of bytes written
   */
  public int writeString(int address, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    writeBytes(address, bytes);
    return bytes.length;
  }

  /**
   * Output the guest wrote to stdout so far, when it is captured.
   *
   * @return output the guest wrote to stdout so far, when it is captured
   */
  public byte[] capturedStdout() {
    return wasi == null ? new byte[0] : wasi.capturedStdout();
  }

  /**
   * Output the guest wrote to stderr so far, when it is captured.
   *
   * @return output the guest wrote to stderr so far, when it is captured
   */
  public byte[] capturedStderr() {
    return wasi == null ? new byte[0] : wasi.capturedStderr();
  }

  private Memory memory() {
    ensureUsable();
    Memory memory = instance.memory();
    if (memory == null) {
      throw new IllegalStateException("The module has no linear memory");
    }
    return memory;
  }

  long[] invoke(String name, ExportFunction export, long[] args) {
    ensureUsable();
    try {
      return threads.call(() -> {
        try {
          return export.apply(args);
        } catch (RuntimeException | StackOverflowError e) {
          WasiExitException exit = Guest.exitOf(e);
          if (exit != null) {
            throw new GuestTrapException("'" + name + "' called proc_exit(" + exit.exitCode()
                + "); the instance cannot be used again.", e);
          }
          throw Guest.translate(e, "'" + name + "'", instance.module());
        }
      }, timeout, "'" + name + "'");
    } catch (GuestTimeoutException | GuestTrapException e) {
      brokenBy = e.getMessage();
      throw e;
    } catch (ChicoryException e) {
      brokenBy = e.getMessage();
      throw Guest.translate(e, "'" + name + "'", instance.module());
    }
  }

  private void ensureUsable() {
    if (closed) {
      throw new IllegalStateException("The instance is closed");
    }
    if (brokenBy != null) {
      throw new IllegalStateException("The instance is unusable after: " + brokenBy);
    }
  }

  /** Releases the files and sockets the guest opened; host streams are never closed. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      if (wasi != null) {
        wasi.close();
      }
    }
  }
}
