package dev.skiff.oci.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds tar archives entry by entry, including hostile ones, for tests. */
final class Tars {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar;

  Tars() {
    tar = new TarArchiveOutputStream(bytes);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
  }

  Tars file(String name, String content) throws IOException {
    return file(name, content.getBytes(StandardCharsets.UTF_8));
  }

  Tars file(String name, byte[] content) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setSize(content.length);
    e.setMode(0644);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
    return this;
  }

  Tars dir(String name) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
    return this;
  }

  Tars symlink(String name, String target) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
    e.setLinkName(target);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
    return this;
  }

  Tars hardlink(String name, String target) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
    e.setLinkName(target);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
    return this;
  }

  Tars special(String name, byte type) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
    return this;
  }

  byte[] build() throws IOException {
    tar.finish();
    tar.close();
    return bytes.toByteArray();
  }

  /** Without the two zero blocks at the end, as Debian's umoci 0.4.7 writes layers. */
  byte[] buildWithoutEndBlocks() throws IOException {
    tar.flush();
    byte[] all = bytes.toByteArray();
    return all;
  }

  static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }

  static byte[] zstd(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream z = new io.airlift.compress.zstd.ZstdOutputStream(out)) {
      z.write(b);
    }
    return out.toByteArray();
  }
}
