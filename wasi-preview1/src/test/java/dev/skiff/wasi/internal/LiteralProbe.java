package dev.skiff.wasi.internal;

/** Prints what {@link OutboundPolicy#literal} makes of each argument, for a JVM whose names come from a test hosts file. */
public final class LiteralProbe {
  private LiteralProbe() {}

  public static void main(String[] args) {
    for (String a : args) {
      java.net.InetAddress ip = OutboundPolicy.literal(a);
      System.out.println(a + "=" + (ip == null ? "null" : ip.getHostAddress()));
    }
  }
}
