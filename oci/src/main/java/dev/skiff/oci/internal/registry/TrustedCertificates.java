package dev.skiff.oci.internal.registry;

import dev.skiff.oci.OciException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** A per-registry trust store loaded from PEM certificates or a password-less PKCS12/JKS file. */
public record TrustedCertificates(SSLSocketFactory socketFactory, X509TrustManager trustManager) {
  public static TrustedCertificates load(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      KeyStore ks;
      if (new String(bytes, 0, Math.min(bytes.length, 4096), java.nio.charset.StandardCharsets.US_ASCII)
          .contains("-----BEGIN CERTIFICATE-----")) {
        ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(file)) {
          certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        int i = 0;
        for (Certificate c : certs) {
          ks.setCertificateEntry("ca-" + i++, c);
        }
        if (i == 0) {
          throw new OciException("no certificates in " + file);
        }
      } else {
        ks = KeyStore.getInstance(file.toString().endsWith(".jks") ? "JKS" : "PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
          ks.load(in, new char[0]);
        }
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      X509TrustManager tm = null;
      for (TrustManager t : tmf.getTrustManagers()) {
        if (t instanceof X509TrustManager x) {
          tm = x;
        }
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {tm}, null);
      return new TrustedCertificates(ctx.getSocketFactory(), tm);
    } catch (IOException | GeneralSecurityException e) {
      throw new OciException("cannot load trusted certificates from " + file + ": " + e.getMessage(), e);
    }
  }
}
