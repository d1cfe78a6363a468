package dev.skiff.wasi;

import java.io.InputStream;
import java.nio.file.Path;

/** The one implementation of {@link Stdin}; read by {@link WasiPreview1}. */
final class StdinSpec implements Stdin {
  enum Kind { NONE, BYTES, STREAM, FILE, INHERIT }

  static final StdinSpec NONE = new StdinSpec(Kind.NONE, null, null, null);
  static final StdinSpec INHERIT = new StdinSpec(Kind.INHERIT, null, null, null);

  final Kind kind;
  final byte[] bytes;
  final InputStream stream;
  final Path file;

  StdinSpec(Kind kind, byte[] bytes, InputStream stream, Path file) {
    this.kind = kind;
    this.bytes = bytes;
    this.stream = stream;
    this.file = file;
  }

  @Override
  public String toString() {
    switch (kind) {
      case BYTES: return "Stdin.bytes(" + bytes.length + " bytes)";
      case FILE: return "Stdin.file(" + file + ")";
      default: return "Stdin." + kind.name().toLowerCase(java.util.Locale.ROOT) + "()";
    }
  }
}
