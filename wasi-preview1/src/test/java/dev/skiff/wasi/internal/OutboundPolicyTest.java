package dev.skiff.wasi.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

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
}
