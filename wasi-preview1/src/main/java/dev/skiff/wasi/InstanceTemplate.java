package dev.skiff.wasi;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.MemoryImport;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import dev.skiff.wasi.internal.FlatMemory;
import dev.skiff.wasi.internal.WasiHost;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * What many short-lived instances of one module share, for an embedder that makes a fresh instance per
 * task (an HTTP request, say) and throws it away: the WASI host functions the module imports, made
 * once, each of which serves the world of the instance that calls it; and the module's initial memory
 * image (zeros and its active data segments), which every instance's memory starts as.
 *
 * <p>Memories are recycled: {@link #recycle} overwrites a finished instance's bytes with the initial
 * image before another instance can get them, so an instance's memory is byte for byte what a newly
 * allocated one would be, and nothing of one instance is visible to the next. What this saves is
 * allocating and zeroing a fresh array (cold in the cache, work for the collector) for every instance.
 *
 * <pre>{@code
 * InstanceTemplate template = InstanceTemplate.of(module, limits).orElseThrow();
 * ImportValues imports = ImportValues.builder().addFunction(template.hostFunctions()).build(); // once
 * // per task:
 * try (WasiPreview1 wasi = WasiPreview1.create(options)) {
 *   Instance instance = Instance.builder(module).withImportValues(imports).withMemoryLimits(limits)
 *       .withMemoryFactory(l -> template.memory(wasi)).withStart(false).build();
 *   try {
 *     instance.export("_start").apply();
 *   } finally {
 *     template.recycle(instance.memory()); // the instance is not used again
 *   }
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class InstanceTemplate {
  /** Recycled memories kept at most: about one per thread that runs instances at once. */
  private static final int POOLED = 32;
  /** A module whose initial memory is larger than this gets no template: its arrays are not kept. */
  private static final int MAX_RECYCLED_BYTES = 8 << 20;

  private final WasmModule module;
  private final MemoryLimits limits;
  private final byte[] image;
  private final HostFunction[] functions;
  private final ArrayBlockingQueue<byte[]> free = new ArrayBlockingQueue<>(POOLED);

  private InstanceTemplate(WasmModule module, MemoryLimits limits, byte[] image, HostFunction[] functions) {
    this.module = module;
    this.limits = limits;
    this.image = image;
    this.functions = functions;
  }

  /**
   * A template for instances of {@code module} whose memory has {@code limits}, when the module fits
   * one: it defines one unshared memory (and imports none), its active data segments sit at constant
   * offsets inside the initial pages, and every function it imports from {@code wasi_snapshot_preview1}
   * is one of the 46 preview1 functions with its type (WasmEdge's socket extension is per world).
   *
   * @param module the module
   * @param limits the memory limits every instance is built with (its initial pages are the image's)
   * @return the template, or empty when the module does not fit one
   */
  public static Optional<InstanceTemplate> of(WasmModule module, MemoryLimits limits) {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(limits, "limits");
    if (limits.shared() || module.memorySection().isEmpty() || module.memorySection().get().memoryCount() != 1
        || (long) limits.initialPages() * Memory.PAGE_SIZE > MAX_RECYCLED_BYTES) {
      return Optional.empty();
    }
    Map<String, HostFunction> shared = WasiHost.sharedFunctions();
    List<HostFunction> wanted = new ArrayList<>();
    for (int k = 0; k < module.importSection().importCount(); k++) {
      Import i = module.importSection().getImport(k);
      if (i instanceof MemoryImport) {
        return Optional.empty();
      }
      if (i instanceof FunctionImport && WasiHost.MODULE.equals(i.module())) {
        HostFunction f = shared.get(i.name());
        if (f == null || !f.functionType().typesMatch(
            module.typeSection().getType(((FunctionImport) i).typeIndex()))) {
          return Optional.empty();
        }
        if (!wanted.contains(f)) {
          wanted.add(f);
        }
      }
    }
    byte[] image = new byte[limits.initialPages() * Memory.PAGE_SIZE];
    for (DataSegment s : module.dataSection().dataSegments()) {
      if (s instanceof PassiveDataSegment) {
        continue;
      }
      if (!(s instanceof ActiveDataSegment)) {
        return Optional.empty();
      }
      ActiveDataSegment active = (ActiveDataSegment) s;
      Long offset = constantI32(active.offsetInstructions());
      byte[] data = active.data();
      if (active.index() != 0 || offset == null || offset + data.length > image.length) {
        return Optional.empty(); // instantiation itself will say what is wrong, if anything is
      }
      System.arraycopy(data, 0, image, (int) (long) offset, data.length);
    }
    return Optional.of(new InstanceTemplate(module, limits, image, wanted.toArray(new HostFunction[0])));
  }

  /** The unsigned offset of {@code i32.const n} (then {@code end}), or null for any other expression. */
  private static Long constantI32(List<Instruction> expr) {
    if (expr.isEmpty() || expr.get(0).opcode() != OpCode.I32_CONST) {
      return null;
    }
    for (int k = 1; k < expr.size(); k++) {
      if (expr.get(k).opcode() != OpCode.END) {
        return null;
      }
    }
    return expr.get(0).operand(0) & 0xFFFFFFFFL;
  }

  /**
   * The module the template was made for.
   *
   * @return the module
   */
  public WasmModule module() {
    return module;
  }

  /**
   * The {@code wasi_snapshot_preview1} functions the module imports, in import order: each call
   * serves the world whose {@link #memory} the calling instance has. A call from an instance whose
   * memory no world's {@link #memory} made throws {@link IllegalStateException} into the host.
   *
   * @return the functions (a new array of the same shared functions)
   */
  public HostFunction[] hostFunctions() {
    return functions.clone();
  }

  /**
   * A memory for one new instance run in {@code world}, holding the initial image, for
   * {@code Instance.Builder.withMemoryFactory(l -> template.memory(world))} with the template's limits.
   *
   * @param world the instance's WASI world, or null when the module imports no WASI
   * @return the memory, owned by {@code world}
   */
  public Memory memory(WasiPreview1 world) {
    byte[] bytes = free.poll();
    if (bytes == null) {
      bytes = image.clone();
    }
    return new FlatMemory(limits, bytes, world == null ? null : world.host(), this);
  }

  /**
   * Takes back the memory of an instance that is finished and will not be called again: its bytes are
   * overwritten with the initial image at once, then kept for a later {@link #memory} (unless the
   * instance grew its memory, whose longer array is left to the collector). The memory itself is empty
   * from now on: any access to it traps. A memory this template did not make is left alone. Call it on
   * the thread that ran the instance, once its call has returned: a guest still running elsewhere could
   * write into bytes another instance then receives.
   *
   * @param memory the finished instance's memory
   */
  public void recycle(Memory memory) {
    if (!(memory instanceof FlatMemory) || ((FlatMemory) memory).origin() != this) {
      return;
    }
    FlatMemory flat = (FlatMemory) memory;
    byte[] bytes = flat.detach();
    if (bytes.length != image.length) {
      // grown: a longer array would make the next memory inexact from the start (see FlatMemory), and
      // so end the assumption of the module's compiled code for good
      return;
    }
    System.arraycopy(image, 0, bytes, 0, image.length);
    free.offer(bytes);
  }
}
