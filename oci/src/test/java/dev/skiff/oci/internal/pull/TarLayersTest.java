package dev.skiff.oci.internal.pull;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.MalformedContentException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarLayersTest {
  @TempDir Path tmp;

  private Path root() throws IOException {
    return Files.createDirectories(tmp.resolve("root"));
  }

  private Path blob(String name, byte[] bytes) throws IOException {
    Path p = tmp.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  @Test
  void appliesTarGzipAndZstdLayersInOrderWithWhiteouts() throws IOException {
    Path root = root();
    TarLayers t = new TarLayers(root, 1 << 20, 1000);
    t.apply(blob("l1", new Tars().dir("app").file("app/a.txt", "one").file("app/b.txt", "bee").dir("etc")
        .file("etc/x", "x").file("etc/y", "y").build()), "l1");
    t.apply(blob("l2", Tars.gzip(new Tars().file("app/a.txt", "two").file("app/.wh.b.txt", "").build())), "l2");
    t.apply(blob("l3", Tars.zstd(new Tars().file("etc/.wh..wh..opq", "").file("etc/z", "z").build())), "l3");
    assertEquals("two", read(root.resolve("app/a.txt")));
    assertFalse(Files.exists(root.resolve("app/b.txt")));
    assertFalse(Files.exists(root.resolve("etc/x")));
    assertFalse(Files.exists(root.resolve("etc/y")));
    assertEquals("z", read(root.resolve("etc/z")));
  }

  @Test
  void absoluteNamesLandInsideTheRoot() throws IOException {
    Path root = root();
    new TarLayers(root, 1 << 20, 1000).apply(blob("l", new Tars().file("/abs/file", "in").file("./dot/file", "d").build()), "l");
    assertEquals("in", read(root.resolve("abs/file")));
    assertEquals("d", read(root.resolve("dot/file")));
  }

  @Test
  void refusesDotDotTraversal() throws IOException {
    Path root = root();
    MalformedContentException e = assertThrows(MalformedContentException.class, () ->
        new TarLayers(root, 1 << 20, 1000).apply(blob("l", new Tars().file("a/../../evil", "x").build()), "sha256:l"));
    assertEquals("layer sha256:l has an entry \"a/../../evil\" with a '..' component; refusing to write outside the image root",
        e.getMessage());
    assertFalse(Files.exists(tmp.resolve("evil")));
  }

  @Test
  void refusesSymlinksPointingOutside() throws IOException {
    Path root = root();
    MalformedContentException e = assertThrows(MalformedContentException.class, () ->
        new TarLayers(root, 1 << 20, 1000).apply(blob("l", new Tars().symlink("up", "../../etc/passwd").build()), "L"));
    assertEquals("layer L has a symbolic link \"up\" -> \"../../etc/passwd\" that points outside the image root", e.getMessage());
  }

  @Test
  void keepsAbsoluteSymlinksInsideAsRelativeLinks() throws IOException {
    Path root = root();
    new TarLayers(root, 1 << 20, 1000).apply(blob("l", new Tars().file("bin/tool.wasm", "w")
        .symlink("app.wasm", "/bin/tool.wasm").build()), "L");
    assertTrue(Files.isSymbolicLink(root.resolve("app.wasm")));
    assertEquals("bin/tool.wasm", Files.readSymbolicLink(root.resolve("app.wasm")).toString());
    assertEquals("w", read(root.resolve("app.wasm")));
  }

  @Test
  void aDanglingEntrypointSymlinkIsReportedAsOneWithItsTarget() throws IOException {
    Path root = root();
    new TarLayers(root, 1 << 20, 1000).apply(blob("l", new Tars().dir("bin")
        .symlink("app.wasm", "/bin/gone.wasm").build()), "L");
    dev.skiff.oci.ImageConfig config = dev.skiff.oci.ImageConfig.builder().entrypoint(java.util.List.of("/app.wasm"))
        .build();
    dev.skiff.oci.NotFoundException e = assertThrows(dev.skiff.oci.NotFoundException.class,
        () -> Puller.locate(root, config, null, "img"));
    assertEquals("img names /app.wasm as its program (Entrypoint/Cmd) but /app.wasm in the image is a dangling"
        + " symbolic link to /bin/gone.wasm (no such file in the image)", e.getMessage());
  }

  @Test
  void refusesWritingThroughASymlinkedDirectory() throws IOException {
    Path root = root();
    Files.createDirectories(tmp.resolve("outside"));
    MalformedContentException e = assertThrows(MalformedContentException.class, () ->
        new TarLayers(root, 1 << 20, 1000).apply(blob("l", new Tars().dir("d").symlink("d/link", "..")
            .file("d/link/../x", "x").build()), "L"));
    // The '..' check fires first for this name; a pure through-link write is below.
    assertTrue(e.getMessage().contains("'..' component"), e.getMessage());
    Path root2 = Files.createDirectories(tmp.resolve("root2"));
    MalformedContentException e2 = assertThrows(MalformedContentException.class, () ->
        new TarLayers(root2, 1 << 20, 1000).apply(blob("l2", new Tars().dir("real").symlink("ln", "real")
            .file("ln/x", "x").build()), "L"));
    assertEquals("layer L has an entry \"ln/x\" below a symbolic link (ln); refusing to write through links", e2.getMessage());
  }

  @Test
  void hardLinksMustPointAtEarlierFiles() throws IOException {
    Path root = root();
    new TarLayers(root, 1 << 20, 1000).apply(blob("l", new Tars().file("a", "A").hardlink("b", "a").build()), "L");
    assertEquals("A", read(root.resolve("b")));
    MalformedContentException e = assertThrows(MalformedContentException.class, () ->
        new TarLayers(root, 1 << 20, 1000).apply(blob("l2", new Tars().hardlink("c", "/etc/shadow").build()), "L2"));
    assertEquals("layer L2 has a hard link \"c\" to \"/etc/shadow\", which is not a regular file earlier in the image",
        e.getMessage());
  }

  @Test
  void refusesDeviceFiles() throws IOException {
    Path root = root();
    MalformedContentException e = assertThrows(MalformedContentException.class, () ->
        new TarLayers(root, 1 << 20, 1000).apply(blob("l", new Tars().special("dev/null", TarConstants.LF_CHR).build()), "L"));
    assertEquals("layer L has an entry \"dev/null\" that is a character device; Skiff does not create special files",
        e.getMessage());
    MalformedContentException f = assertThrows(MalformedContentException.class, () ->
        new TarLayers(root, 1 << 20, 1000).apply(blob("l2", new Tars().special("p", TarConstants.LF_FIFO).build()), "L"));
    assertEquals("layer L has an entry \"p\" that is a FIFO; Skiff does not create special files", f.getMessage());
  }

  @Test
  void stopsGzipAndZstdBombsAtTheCap() throws IOException {
    byte[] zeros = new byte[8 << 20];
    byte[] tar = new Tars().file("big", zeros).build();
    byte[] gz = Tars.gzip(tar);
    assertTrue(gz.length < 100_000, "a real bomb: " + gz.length);
    MalformedContentException e = assertThrows(MalformedContentException.class, () ->
        new TarLayers(root(), 1 << 20, 1000).apply(blob("gz", gz), "sha256:bomb"));
    assertEquals("layer sha256:bomb expands beyond the limit of 1048576 bytes for an image's layers (decompression bomb"
        + " or oversized image); raise maxExtractedBytes to allow it", e.getMessage());
    byte[] zs = Tars.zstd(tar);
    assertThrows(MalformedContentException.class, () -> new TarLayers(tmp.resolve("root"), 1 << 20, 1000).apply(blob("zs", zs), "z"));
  }

  @Test
  void capsEntryCount() throws IOException {
    Tars t = new Tars();
    for (int i = 0; i < 20; i++) {
      t.file("f" + i, "");
    }
    byte[] b = t.build();
    MalformedContentException e = assertThrows(MalformedContentException.class, () ->
        new TarLayers(root(), 1 << 20, 10).apply(blob("l", b), "L"));
    assertEquals("layer L has more than 10 entries", e.getMessage());
  }

  @Test
  void toleratesMissingEndOfArchiveBlocksButNotATruncatedEntry() throws IOException {
    byte[] module = "\0asm\1\0\0\0rest".getBytes(StandardCharsets.ISO_8859_1);
    byte[] noEnd = new Tars().file("app.wasm", module).buildWithoutEndBlocks();
    assertEquals(0, noEnd.length % 512);
    Path root = root();
    new TarLayers(root, 1 << 20, 1000).apply(blob("noend", noEnd), "L");
    assertArrayEquals(module, Files.readAllBytes(root.resolve("app.wasm")));
    // Also through gzip, as umoci writes it.
    Path root2 = Files.createDirectories(tmp.resolve("r2"));
    new TarLayers(root2, 1 << 20, 1000).apply(blob("noendgz", Tars.gzip(noEnd)), "L");
    assertArrayEquals(module, Files.readAllBytes(root2.resolve("app.wasm")));

    byte[] big = new Tars().file("big.wasm", new byte[5000]).build();
    byte[] cut = java.util.Arrays.copyOf(big, 512 + 1024); // header plus two of ten data blocks
    Path root3 = Files.createDirectories(tmp.resolve("r3"));
    MalformedContentException e = assertThrows(MalformedContentException.class, () ->
        new TarLayers(root3, 1 << 20, 1000).apply(blob("cut", cut), "L"));
    assertTrue(e.getMessage().startsWith("layer L "), e.getMessage());
    assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("Truncated"), e.getMessage());
  }

  @Test
  void cleanNormalisesNames() {
    assertEquals("a/b", TarLayers.clean("./a//b/", "L"));
    assertEquals("a/b", TarLayers.clean("/a/./b", "L"));
    assertEquals("", TarLayers.clean("./", "L"));
    assertThrows(MalformedContentException.class, () -> TarLayers.clean("..", "L"));
  }
}
