package dev.skiff.wasi.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboundPolicyTest {
  private static InetAddress ip(String literal) {
    return OutboundPolicy.literal(literal);
  }

  /**
   * Connecting to 0.0.0.0 (or ::) reaches the host's own listeners on Linux, so a name that a
   * wildcard admits must not open it up by resolving there (DNS rebinding to the any-address).
   */
  @Test
  void aWildcardNameResolvingToTheAnyAddressDoesNotReachTheHost() {
    for (String pattern : List.of("*:*", "*.example.com:6379")) {
      OutboundPolicy policy = OutboundPolicy.of(List.of(pattern));
      for (String any : List.of("0.0.0.0", "::")) {
        List<InetAddress> usable = policy.resolved("zero.example.com", new InetAddress[] {ip(any)});
        assertEquals(List.of(), usable, pattern + " " + any);
        assertFalse(policy.mayConnect(ip(any), 6379), pattern + " " + any);
      }
    }
  }

  @Test
  void aWildcardNameResolvingToMappedLoopbackDoesNotReachTheHost() throws Exception {
    OutboundPolicy policy = OutboundPolicy.of(List.of("*:*"));
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xFF;
    mapped[11] = (byte) 0xFF;
    mapped[12] = 127;
    mapped[15] = 1;
    InetAddress a = java.net.Inet6Address.getByAddress("x", mapped, -1);
    assertEquals(List.of(), policy.resolved("rebind.example.com", new InetAddress[] {a}));
    assertFalse(policy.mayConnect(a, 6379));
    assertFalse(policy.mayConnect(ip("127.0.0.1"), 6379));
  }

  @Test
  void aNamedPatternStillReachesWhatItResolvesTo() {
    OutboundPolicy policy = OutboundPolicy.of(List.of("*:443"));
    InetAddress a = ip("93.184.216.34");
    assertEquals(List.of(a), policy.resolved("example.com", new InetAddress[] {a}));
    assertTrue(policy.mayConnect(a, 443));
    assertFalse(policy.mayConnect(a, 444));
  }

  /**
   * A digits-and-dots string that is no IP address is a name: taking it for a literal looked it up
   * (getaddrinfo answered it without the allow-list, and a pattern took the answer for its IP). A
   * child JVM resolves names from a hosts file, so a lookup would show as an address.
   */
  @Test
  void aLiteralIsParsedWithoutAnyLookup(@TempDir Path dir) throws Exception {
    Path hosts = Files.writeString(dir.resolve("hosts"), "10.9.9.9 1.2.3.4.5\n10.9.9.8 999.1.1.1\n"
        + "10.9.9.7 1.2.3.4\n10.9.9.6 010.0.0.1\n");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djdk.net.hosts.file=" + hosts, "-cp", System.getProperty("java.class.path"),
        LiteralProbe.class.getName(), "1.2.3.4.5", "999.1.1.1", "010.0.0.1", "1.2.3.4", "::1", "1::2::3", "::ffff:10.0.0.7")
        .redirectErrorStream(true).start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the probe JVM finished");
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals("1.2.3.4.5=null\n999.1.1.1=null\n010.0.0.1=null\n1.2.3.4=1.2.3.4\n::1=0:0:0:0:0:0:0:1\n"
        + "1::2::3=null\n"
        + "::ffff:10.0.0.7=10.0.0.7\n", out);
  }
}
