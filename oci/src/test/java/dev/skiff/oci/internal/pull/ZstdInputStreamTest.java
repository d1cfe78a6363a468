package dev.skiff.oci.internal.pull;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The zstd decoder against what the reference {@code zstd} command writes. */
class ZstdInputStreamTest {
  /** About 1.5 MiB mixing what each block kind and table mode is for: text, noise, runs, a real module. */
  private static final byte[] MIXED = mixed();

  private static byte[] mixed() {
    Random r = new Random(42);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    String[] words = {"layer", "manifest", "digest", "sha256", "wasm", "registry", "blob", "index", "\n", " "};
    for (int i = 0; i < 60_000; i++) {
      b.writeBytes(words[r.nextInt(words.length)].getBytes(StandardCharsets.US_ASCII));
      if (r.nextInt(50) == 0) {
        b.writeBytes(Integer.toString(r.nextInt()).getBytes(StandardCharsets.US_ASCII));
      }
    }
    byte[] noise = new byte[300_000];
    r.nextBytes(noise);
    b.writeBytes(noise);
    b.writeBytes(new byte[400_000]);
    try {
      byte[] wasm = Files.readAllBytes(Path.of("../fixtures/wasm/hello.wasm"));
      for (int i = 0; i < 8; i++) {
        b.writeBytes(wasm);
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return b.toByteArray();
  }

  private static byte[] decode(byte[] z) throws IOException {
    try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(z))) {
      return in.readAllBytes();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "-3", "-9", "-19", "--fast=5", "--ultra -22", "--long=24 -7", "--no-check -3",
      "-3 --no-content-size", "-3 -B4096"})
  void decodesWhatTheReferenceEncoderWrites(String options) throws IOException {
    assertArrayEquals(MIXED, decode(Tars.zstd(MIXED, options.split(" "))));
  }

  @Test
  void decodesSmallAndEmptyInputs() throws IOException {
    for (byte[] b : new byte[][] {new byte[0], {7}, "hello hello hello hello".getBytes(StandardCharsets.US_ASCII)}) {
      assertArrayEquals(b, decode(Tars.zstd(b)));
    }
  }

  @Test
  void decodesConcatenatedAndSkippableFrames() throws IOException {
    byte[] a = Arrays.copyOfRange(MIXED, 0, 200_000);
    byte[] b = Arrays.copyOfRange(MIXED, 200_000, 500_000);
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    z.writeBytes(Tars.zstd(a, "-5"));
    z.writeBytes(new byte[] {0x53, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3}); // skippable frame, 3 bytes
    z.writeBytes(Tars.zstd(b, "-1"));
    ByteArrayOutputStream want = new ByteArrayOutputStream();
    want.writeBytes(a);
    want.writeBytes(b);
    assertArrayEquals(want.toByteArray(), decode(z.toByteArray()));
  }

  @Test
  void readsByteByByteAsWellAsInBulk() throws IOException {
    byte[] z = Tars.zstd(Arrays.copyOf(MIXED, 50_000), "-3");
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(z))) {
      for (int c; (c = in.read()) >= 0; ) {
        got.write(c);
      }
    }
    assertArrayEquals(Arrays.copyOf(MIXED, 50_000), got.toByteArray());
  }

  @Test
  void aChangedContentByteFailsTheChecksum() throws IOException {
    byte[] noise = new byte[100];
    new Random(1).nextBytes(noise);
    byte[] z = Tars.zstd(noise, "-3"); // incompressible: one raw block, then the 4-byte checksum
    assertEquals(6 + 3 + 100 + 4, z.length);
    z[z.length - 50] ^= 1;
    IOException e = assertThrows(IOException.class, () -> decode(z));
    assertEquals("zstd: the content checksum does not match", e.getMessage());
  }

  @Test
  void corruptAndTruncatedStreamsFailWithIoExceptionsNotRuntimeErrors() throws IOException {
    byte[] plain = Arrays.copyOf(MIXED, 300_000);
    byte[] z = Tars.zstd(plain, "-3");
    Random r = new Random(7);
    for (int i = 0; i < 200; i++) {
      byte[] bad = z.clone();
      bad[8 + r.nextInt(bad.length - 8)] ^= (byte) (1 << r.nextInt(8));
      try {
        // A flip in bits the format ignores (the padding of a table description) changes nothing.
        assertArrayEquals(plain, decode(bad), "flip " + i + " decoded to different bytes");
      } catch (IOException expected) {
        // a typed failure, as wanted
      }
    }
    assertThrows(EOFException.class, () -> decode(Arrays.copyOf(z, z.length / 2)));
    IOException magic = assertThrows(IOException.class, () -> decode(new byte[] {1, 2, 3, 4, 5}));
    assertEquals("zstd: not a zstd frame (magic 0x04030201)", magic.getMessage());
  }

  @Test
  void refusesDictionariesAndOversizedWindows() throws IOException {
    // Frame header with a one-byte dictionary id 9: magic, descriptor (dictionary flag 1), window, id.
    byte[] dict = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0x01, 0x00, 0x09};
    assertEquals("zstd: the frame needs dictionary 9; layers compressed with a dictionary are not supported",
        assertThrows(IOException.class, () -> decode(dict)).getMessage());
    // Window descriptor exponent 18: 2^28 bytes.
    byte[] window = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0x00, (byte) (18 << 3)};
    assertEquals("zstd: the frame's window of 268435456 bytes is over the limit of 2^27",
        assertThrows(IOException.class, () -> decode(window)).getMessage());
  }
}
