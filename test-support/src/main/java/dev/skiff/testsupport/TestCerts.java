package dev.skiff.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Keys and certificates made with the JDK's own keytool (always present with the JDK running the tests). */
public final class TestCerts {
  private static final String PASS = "changeit";

  /** A private key with its certificate chain (leaf first). */
  public record KeyAndChain(PrivateKey key, List<X509Certificate> chain) {
    /** The leaf certificate. */
    public X509Certificate certificate() {
      return chain.get(0);
    }
  }

  private TestCerts() {}

  /** Runs the JDK's keytool with these arguments; fails the test when it fails. */
  public static void keytool(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("keytool failed: " + String.join(" ", cmd) + "\n" + out);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run keytool from " + System.getProperty("java.home"), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A self-signed RSA key pair (e.g. a token signing key). */
  public static KeyAndChain selfSigned(Path dir, String alias, String cn) throws Exception {
    Path ks = dir.resolve(alias + ".p12");
    keytool("-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048", "-sigalg", "SHA256withRSA",
        "-dname", "CN=" + cn, "-validity", "2", "-keystore", ks.toString(), "-storetype", "PKCS12",
        "-storepass", PASS, "-keypass", PASS);
    return load(ks, alias);
  }

  /**
   * A CA and a server certificate it signs for {@code 127.0.0.1} (IP SAN), in one keystore: the server's
   * entry holds the chain server, CA.
   */
  public static KeyAndChain serverSignedByCa(Path dir, String caCn) throws Exception {
    Path ks = dir.resolve("tls.p12");
    String[] store = {"-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", PASS, "-keypass", PASS};
    keytool(concat(new String[] {"-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048",
        "-dname", "CN=" + caCn, "-validity", "2", "-ext", "bc:c"}, store));
    keytool(concat(new String[] {"-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048",
        "-dname", "CN=127.0.0.1", "-validity", "2"}, store));
    Path csr = dir.resolve("server.csr");
    Path signed = dir.resolve("server.pem");
    keytool(concat(new String[] {"-certreq", "-alias", "server", "-file", csr.toString()}, store));
    keytool(concat(new String[] {"-gencert", "-alias", "ca", "-infile", csr.toString(), "-outfile", signed.toString(),
        "-rfc", "-validity", "2", "-ext", "san=ip:127.0.0.1", "-ext", "eku=serverAuth"}, store));
    Path caPem = dir.resolve("ca-export.pem");
    keytool(concat(new String[] {"-exportcert", "-alias", "ca", "-rfc", "-file", caPem.toString()}, store));
    // Importing the reply needs the CA's certificate first in the chain: keytool builds server -> CA.
    Path reply = dir.resolve("reply.pem");
    Files.writeString(reply, Files.readString(signed) + Files.readString(caPem));
    keytool(concat(new String[] {"-importcert", "-alias", "server", "-file", reply.toString(), "-noprompt"}, store));
    return load(ks, "server");
  }

  private static String[] concat(String[] a, String[] b) {
    String[] r = new String[a.length + b.length];
    System.arraycopy(a, 0, r, 0, a.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  private static KeyAndChain load(Path keystore, String alias) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, PASS.toCharArray());
    }
    List<X509Certificate> chain = new ArrayList<>();
    for (java.security.cert.Certificate c : ks.getCertificateChain(alias)) {
      chain.add((X509Certificate) c);
    }
    return new KeyAndChain((PrivateKey) ks.getKey(alias, PASS.toCharArray()), chain);
  }

  /** The certificates in PEM, in order. */
  public static String certificatePem(X509Certificate... certs) throws Exception {
    StringBuilder b = new StringBuilder();
    for (X509Certificate c : certs) {
      b.append(pem("CERTIFICATE", c.getEncoded()));
    }
    return b.toString();
  }

  /** PKCS#8, which Go's tls.LoadX509KeyPair reads. */
  public static String privateKeyPem(PrivateKey key) {
    return pem("PRIVATE KEY", key.getEncoded());
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + type + "-----\n";
  }
}
