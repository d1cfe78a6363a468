package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageReferenceTest {
  private static final String D256 = "sha256:" + "a".repeat(64);
  private static final String D512 = "sha512:" + "b".repeat(128);

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
      alpine                              | docker.io          | library/alpine        | -      | -
      alpine:3.19                         | docker.io          | library/alpine        | 3.19   | -
      library/alpine                      | docker.io          | library/alpine        | -      | -
      docker.io/alpine                    | docker.io          | library/alpine        | -      | -
      index.docker.io/alpine:edge         | docker.io          | library/alpine        | edge   | -
      registry-1.docker.io/x/y            | docker.io          | x/y                   | -      | -
      user/repo                           | docker.io          | user/repo             | -      | -
      ghcr.io/acme/hello:1.0              | ghcr.io            | acme/hello            | 1.0    | -
      ghcr.io/a/b/c/d:latest              | ghcr.io            | a/b/c/d               | latest | -
      localhost/hello                     | localhost          | hello                 | -      | -
      localhost:5000/hello:v1             | localhost:5000     | hello                 | v1     | -
      127.0.0.1:5000/demo/hello:v1        | 127.0.0.1:5000     | demo/hello            | v1     | -
      10.0.0.1/x                          | 10.0.0.1           | x                     | -      | -
      [::1]:5000/x:t                      | [::1]:5000         | x                     | t      | -
      [::1]/x                             | [::1]              | x                     | -      | -
      [2001:db8::1]:443/a/b               | [2001:db8::1]:443  | a/b                   | -      | -
      my-registry.example.com:8443/a_b/c  | my-registry.example.com:8443 | a_b/c       | -      | -
      Example.COM/x                       | Example.COM        | x                     | -      | -
      host/a.b/c__d/e-f/g--h              | docker.io          | host/a.b/c__d/e-f/g--h | -     | -
      quay.io/x:T_a.g-1                   | quay.io            | x                     | T_a.g-1 | -
      quay.io/x:_t                        | quay.io            | x                     | _t     | -
      """)
  void parsesValidReferences(String input, String registry, String repository, String tag, String digest) {
    ImageReference r = ImageReference.parse(input);
    assertEquals(registry, r.registry());
    assertEquals(repository, r.repository());
    assertEquals(tag, r.tag().orElse(null));
    assertEquals(digest, r.digest().orElse(null));
    assertEquals(r, ImageReference.parse(r.toString()), "round trip of " + r);
  }

  @Test
  void digestsAndTagPlusDigest() {
    ImageReference a = ImageReference.parse("ghcr.io/x/y@" + D256);
    assertEquals(D256, a.digest().orElseThrow());
    assertEquals(D256, a.identifier());
    ImageReference b = ImageReference.parse("ghcr.io/x/y:v1@" + D512);
    assertEquals("v1", b.tag().orElseThrow());
    assertEquals(D512, b.digest().orElseThrow());
    assertEquals("ghcr.io/x/y:v1@" + D512, b.toString());
    ImageReference c = ImageReference.parse("127.0.0.1:5000/x@" + D256);
    assertEquals("127.0.0.1:5000", c.registry());
    assertEquals(c, ImageReference.parse(c.toString()));
  }

  @Test
  void dockerHubHostAndCanonicalForm() {
    ImageReference r = ImageReference.parse("alpine");
    assertEquals("registry-1.docker.io", r.registryHost());
    assertEquals("docker.io/library/alpine", r.toString());
    assertEquals("latest", r.identifier());
    assertEquals("ghcr.io", ImageReference.parse("ghcr.io/a/b").registryHost());
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @CsvSource(delimiter = '|', textBlock = """
      ''                                  | reference  | is empty
      ' alpine'                           | reference  | white space
      Alpine                              | repository | must be lower case
      ghcr.io/Acme/x                      | repository | component "Acme" must be lower case
      ghcr.io/a//b                        | repository | empty path component
      ghcr.io/                            | repository | is missing
      ghcr.io/a/                          | repository | empty path component
      ghcr.io/-a                          | repository | component "-a"
      ghcr.io/a_                          | repository | component "a_"
      ghcr.io/a...b                       | repository | component "a...b"
      ghcr.io/a___b                       | repository | component "a___b"
      ghcr.io/a:                          | tag        | is empty
      ghcr.io/a:.x                        | tag        | must be 1-128
      ghcr.io/a:-x                        | tag        | must be 1-128
      ghcr.io/a:x/y                       | repository | 'component "a:x" must be lower-case'
      ghcr.io/a:x!                        | tag        | must be 1-128
      ghcr.io/a@sha256:abc                | digest     | must be 64 lower-case hex digits
      ghcr.io/a@sha256:ABCDEF             | digest     | must be 64
      ghcr.io/a@md5:0123                  | digest     | not supported
      ghcr.io/a@sha256                    | digest     | must be ALGORITHM:HEX
      ghcr.io/a@                          | digest     | must be ALGORITHM:HEX
      -bad.io/x                           | registry   | not a valid host name
      bad-.io/x                           | registry   | not a valid host name
      a..b.io/x                           | registry   | not a valid host name
      ghcr.io:99999/x                     | registry   | port "99999"
      ghcr.io:0/x                         | registry   | port "0"
      ghcr.io:abc/x                       | registry   | port "abc"
      localhost:/x                        | registry   | port ""
      [::1/x                              | registry   | unclosed
      [::1]x/y                            | registry   | not a port
      [zz::1]/y                           | registry   | not a valid IPv6
      :5000/x                             | registry   | empty host
      """)
  void rejectsInvalidReferences(String input, String part, String reason) {
    InvalidReferenceException e = assertThrows(InvalidReferenceException.class, () -> ImageReference.parse(input));
    assertEquals(part, e.part(), e.getMessage());
    assertEquals(input, e.input());
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(reason.strip()), e.getMessage());
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("invalid image reference \"" + input + "\": " + part));
  }

  @Test
  void rejectsOverlongNames() {
    String longName = "ghcr.io/" + "a".repeat(250);
    InvalidReferenceException e = assertThrows(InvalidReferenceException.class, () -> ImageReference.parse(longName));
    assertEquals("repository", e.part());
    assertEquals(128, ImageReference.parse("x/y:" + "t".repeat(128)).tag().orElseThrow().length());
    assertThrows(InvalidReferenceException.class, () -> ImageReference.parse("x/y:" + "t".repeat(129)));
  }

  @Test
  void withDigestPins() {
    ImageReference r = ImageReference.parse("ghcr.io/a:v1").withDigest(D256);
    assertEquals("ghcr.io/a:v1@" + D256, r.toString());
    assertThrows(InvalidReferenceException.class, () -> ImageReference.parse("ghcr.io/a").withDigest("sha256:zz"));
  }
}
