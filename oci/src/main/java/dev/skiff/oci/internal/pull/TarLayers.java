package dev.skiff.oci.internal.pull;

import dev.skiff.oci.MalformedContentException;
import dev.skiff.oci.internal.store.FileTrees;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Applies image layers (tar, tar+gzip, tar+zstd) in order onto a directory with OCI whiteout semantics,
 * refusing entries that would escape the directory, links pointing outside, device files, and archives
 * that expand beyond the limits.
 */
public final class TarLayers {
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";

  private final Path root;
  private final long maxBytes;
  private final long maxEntries;
  private long expanded;
  private long entries;

  /**
   * @param root the directory the layers build up (must exist)
   * @param maxBytes cap on the total expanded size of all layers (decompression bombs)
   * @param maxEntries cap on the total number of entries
   */
  public TarLayers(Path root, long maxBytes, long maxEntries) {
    this.root = root.toAbsolutePath().normalize();
    this.maxBytes = maxBytes;
    this.maxEntries = maxEntries;
  }

  /** Opens a layer blob, choosing the decompressor by magic bytes (media types are sometimes wrong). */
  InputStream open(Path blob, String what) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(blob), 1 << 16);
    raw.mark(4);
    byte[] magic = raw.readNBytes(4);
    raw.reset();
    InputStream in;
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      in = new GZIPInputStream(raw, 1 << 16);
    } else if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
      in = new ZstdInputStream(raw);
    } else {
      in = raw;
    }
    return new Capped(in, what);
  }

  /** Counts expanded bytes across all layers and stops a bomb at the cap. */
  private final class Capped extends FilterInputStream {
    private final String what;

    Capped(InputStream in, String what) {
      super(in);
      this.what = what;
    }

    private void add(long n) {
      if (n > 0) {
        expanded += n;
        if (expanded > maxBytes) {
          throw new MalformedContentException("layer " + what + " expands beyond the limit of " + maxBytes
              + " bytes for an image's layers (decompression bomb or oversized image); raise maxExtractedBytes to allow it");
        }
      }
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      add(b < 0 ? 0 : 1);
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      add(n);
      return n;
    }
  }

  /** Applies one layer. */
  public void apply(Path blob, String what) {
    Set<String> createdHere = new HashSet<>();
    try (InputStream in = open(blob, what);
         TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      boolean lastWhole = true;
      while (true) {
        TarArchiveEntry e;
        try {
          e = tar.getNextEntry();
        } catch (IOException ex) {
          // Debian's umoci 0.4.7 writes layers without the two end-of-archive blocks; commons-compress then
          // fails on the next header. Every entry before it was read whole, so the layer is usable.
          if (lastWhole && isTruncation(ex)) {
            break;
          }
          throw new MalformedContentException("layer " + what + " is not a valid tar archive: " + ex.getMessage(), ex);
        }
        if (e == null) {
          break;
        }
        if (++entries > maxEntries) {
          throw new MalformedContentException("layer " + what + " has more than " + maxEntries + " entries");
        }
        lastWhole = false;
        applyEntry(tar, e, what, createdHere);
        lastWhole = true;
      }
    } catch (MalformedContentException ex) {
      throw ex;
    } catch (IOException ex) {
      throw new MalformedContentException("layer " + what + " could not be read: " + ex.getMessage(), ex);
    }
  }

  private static boolean isTruncation(IOException ex) {
    String m = String.valueOf(ex.getMessage()).toLowerCase(java.util.Locale.ROOT);
    return m.contains("truncated") || ex instanceof java.io.EOFException;
  }

  /** Normalises an entry name to a relative path, refusing anything that leaves the root. */
  public static String clean(String name, String what) {
    String n = name.replace('\\', '/');
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    // Docker applies absolute names relative to the image root, and so do we.
    while (n.startsWith("/")) {
      n = n.substring(1);
    }
    List<String> parts = new ArrayList<>();
    for (String p : n.split("/")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        throw new MalformedContentException("layer " + what + " has an entry \"" + name
            + "\" with a '..' component; refusing to write outside the image root");
      }
      parts.add(p);
    }
    return String.join("/", parts);
  }

  private Path resolveInside(String rel, String name, String what) throws IOException {
    Path target = root.resolve(rel).normalize();
    if (!target.startsWith(root)) {
      throw new MalformedContentException("layer " + what + " has an entry \"" + name + "\" outside the image root");
    }
    // A parent that is a symlink would redirect the write elsewhere: refuse.
    for (Path p = target.getParent(); p != null && p.startsWith(root) && !p.equals(root); p = p.getParent()) {
      if (Files.isSymbolicLink(p)) {
        throw new MalformedContentException("layer " + what + " has an entry \"" + name
            + "\" below a symbolic link (" + root.relativize(p) + "); refusing to write through links");
      }
    }
    return target;
  }

  private void applyEntry(TarArchiveInputStream tar, TarArchiveEntry e, String what, Set<String> createdHere)
      throws IOException {
    String name = e.getName();
    String rel = clean(name, what);
    if (rel.isEmpty()) {
      return; // the root itself
    }
    String base = rel.contains("/") ? rel.substring(rel.lastIndexOf('/') + 1) : rel;
    String dirRel = rel.contains("/") ? rel.substring(0, rel.lastIndexOf('/')) : "";
    if (base.equals(OPAQUE)) {
      Path dir = resolveInside(dirRel, name, what);
      if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        try (Stream<Path> s = Files.list(dir)) {
          for (Path child : s.toList()) {
            if (!createdHere.contains(root.relativize(child).toString())) {
              FileTrees.deleteTree(child);
            }
          }
        }
      }
      return;
    }
    if (base.startsWith(WHITEOUT)) {
      String victim = (dirRel.isEmpty() ? "" : dirRel + "/") + base.substring(WHITEOUT.length());
      FileTrees.deleteTree(resolveInside(clean(victim, what), name, what));
      return;
    }
    Path target = resolveInside(rel, name, what);
    if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
      throw new MalformedContentException("layer " + what + " has an entry \"" + name + "\" that is a "
          + (e.isFIFO() ? "FIFO" : e.isCharacterDevice() ? "character device" : "block device")
          + "; Skiff does not create special files");
    }
    Files.createDirectories(target.getParent());
    createdHere.add(rel);
    if (e.isDirectory()) {
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        Files.delete(target);
      }
      Files.createDirectories(target);
      return;
    }
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      FileTrees.deleteTree(target);
    } else {
      Files.deleteIfExists(target);
    }
    if (e.isSymbolicLink()) {
      String linkTarget = e.getLinkName();
      // Interpret the target inside the image root (as a container would), and keep it there.
      Path resolved = linkTarget.startsWith("/")
          ? root.resolve(clean(linkTarget, what)).normalize()
          : target.getParent().resolve(linkTarget).normalize();
      if (!resolved.startsWith(root) || linkTarget.isEmpty()) {
        throw new MalformedContentException("layer " + what + " has a symbolic link \"" + name + "\" -> \""
            + linkTarget + "\" that points outside the image root");
      }
      Files.createSymbolicLink(target, target.getParent().relativize(resolved));
      return;
    }
    if (e.isLink()) {
      String linkRel = clean(e.getLinkName(), what);
      Path source = resolveInside(linkRel, e.getLinkName(), what);
      if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
        throw new MalformedContentException("layer " + what + " has a hard link \"" + name + "\" to \""
            + e.getLinkName() + "\", which is not a regular file earlier in the image");
      }
      Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
      return;
    }
    if (!e.isFile()) {
      throw new MalformedContentException("layer " + what + " has an entry \"" + name + "\" of unsupported type '"
          + (char) e.getLinkFlag() + "'");
    }
    long want = e.getSize();
    long got = 0;
    try (OutputStream out = Files.newOutputStream(target)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = tar.read(buf)) > 0; ) {
        out.write(buf, 0, n);
        got += n;
      }
    }
    if (got != want) {
      throw new MalformedContentException("layer " + what + " is truncated inside entry \"" + name + "\" ("
          + got + " of " + want + " bytes)");
    }
    if ((e.getMode() & 0111) != 0) {
      target.toFile().setExecutable(true, false);
    }
  }

  /** Makes a finished tree read-only so a runtime can preopen it without anyone changing the store. */
  public static void makeReadOnly(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        if (!Files.isSymbolicLink(p)) {
          p.toFile().setWritable(false, false);
        }
      }
    }
  }
}
