package dev.skiff.wasi;

import java.io.OutputStream;
import java.nio.file.Path;

/** The one implementation of {@link Output}; read by {@link WasiPreview1}. */
final class OutputSpec implements Output {
  enum Kind { DISCARD, CAPTURE, STREAM, FILE, INHERIT }

  static final OutputSpec DISCARD = new OutputSpec(Kind.DISCARD, null, null, Long.MAX_VALUE);
  static final OutputSpec INHERIT = new OutputSpec(Kind.INHERIT, null, null, Long.MAX_VALUE);

  final Kind kind;
  final OutputStream stream;
  final Path file;
  final long maxBytes;

  OutputSpec(Kind kind, OutputStream stream, Path file, long maxBytes) {
    this.kind = kind;
    this.stream = stream;
    this.file = file;
    this.maxBytes = maxBytes;
  }

  @Override
  public String toString() {
    String base = kind == Kind.FILE ? "Output.file(" + file + ")"
        : "Output." + kind.name().toLowerCase(java.util.Locale.ROOT) + "()";
    return maxBytes == Long.MAX_VALUE ? base : base + ".limitBytes(" + maxBytes + ")";
  }
}
