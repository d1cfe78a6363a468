package dev.skiff.oci.internal.registry;

import java.io.IOException;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import okhttp3.OkHttpClient;

/**
 * Which HTTP client and scheme a registry host gets: its own trusted certificates when given, a client
 * made for streaming blobs, plain HTTP only on loopback and for hosts listed as insecure.
 */
public final class RegistryHttp {
  private final OkHttpClient http;
  private final Map<String, OkHttpClient> perRegistry;
  private final Set<String> insecure;
  private final OkHttpClient blobHttp;
  private final Map<String, OkHttpClient> perRegistryBlob = new HashMap<>();

  public RegistryHttp(OkHttpClient http, Map<String, OkHttpClient> perRegistry, Set<String> insecure) {
    this.http = http;
    this.perRegistry = Map.copyOf(perRegistry);
    this.insecure = Set.copyOf(insecure);
    this.blobHttp = BlobDownloadClient.of(http);
    perRegistry.forEach((host, h) -> perRegistryBlob.put(host, BlobDownloadClient.of(h)));
  }

  public OkHttpClient client(String host) {
    return perRegistry.getOrDefault(host, http);
  }

  public OkHttpClient client(String host, boolean blobDownload) {
    return blobDownload ? perRegistryBlob.getOrDefault(host, blobHttp) : client(host);
  }

  /** Plain HTTP only for loopback hosts and registries the caller listed as insecure. */
  public String base(String host) {
    return (isPlain(host) ? "http://" : "https://") + host;
  }

  /** A registry given its own trusted certificates speaks TLS, even on loopback. */
  boolean isPlain(String host) {
    return insecure.contains(host) || isLoopback(host) && !perRegistry.containsKey(host);
  }

  public static boolean isLoopback(String host) {
    String h = host;
    if (h.startsWith("[")) {
      h = h.substring(1, h.indexOf(']'));
    } else if (h.indexOf(':') >= 0) {
      h = h.substring(0, h.indexOf(':'));
    }
    if (h.equals("localhost")) {
      return true;
    }
    if (h.matches("[0-9.]+") || h.contains(":")) {
      try {
        return InetAddress.getByName(h).isLoopbackAddress(); // literal: no DNS lookup
      } catch (IOException e) {
        return false;
      }
    }
    return false;
  }
}
