package dev.skiff.oci.internal.source;

import dev.skiff.oci.DigestMismatchException;
import dev.skiff.oci.ImageReference;
import dev.skiff.oci.MalformedContentException;
import dev.skiff.oci.OciException;
import dev.skiff.oci.OfflineMissException;
import dev.skiff.oci.PullListener;
import dev.skiff.oci.PullPolicy;
import dev.skiff.oci.internal.Listeners;
import dev.skiff.oci.internal.format.Descriptor;
import dev.skiff.oci.internal.format.Manifests;
import dev.skiff.oci.internal.registry.RegistryClient;
import dev.skiff.oci.internal.store.BlobStore;
import dev.skiff.oci.internal.store.TagResolutions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/** A repository in a registry (through its mirrors first, when configured), cached in the store per pull policy. */
public final class RegistrySource implements Source {
  /** Made on first network use: a pull served from the store never builds an HTTP client. */
  private final Supplier<RegistryClient> client;
  private final BlobStore store;
  private final ImageReference ref;
  private final PullPolicy policy;
  private final List<String> hosts;
  private final PullListener listener;
  private final Map<String, String> blobRepos;

  public RegistrySource(Supplier<RegistryClient> client, BlobStore store, ImageReference ref, PullPolicy policy,
      List<String> mirrors, PullListener listener, Map<String, String> blobRepos) {
    this.client = client;
    this.store = store;
    this.ref = ref;
    this.policy = policy;
    this.hosts = new java.util.ArrayList<>(mirrors);
    this.hosts.add(ref.registryHost());
    this.listener = listener;
    this.blobRepos = blobRepos;
  }

  @Override
  public String describe() {
    return ref.toString();
  }

  /** Tries the mirrors, then the origin; content errors are not the mirror's fault and are not retried elsewhere. */
  private <T> T network(String what, Function<String, T> op) {
    if (policy == PullPolicy.NEVER) {
      throw new OfflineMissException(what, what + " is not in the content store and the pull policy is NEVER "
          + "(offline); pull it once online or use another policy");
    }
    OciException last = null;
    for (String host : hosts) {
      try {
        return op.apply(host);
      } catch (DigestMismatchException | MalformedContentException e) {
        throw e;
      } catch (OciException e) {
        last = e;
      }
    }
    throw last;
  }

  @Override
  public Top top() {
    Listeners.resolving(listener, ref.toString());
    if (ref.digest().isPresent()) {
      String digest = ref.digest().get();
      byte[] cached = store.readVerified(digest, Manifests.MAX_MANIFEST_BYTES);
      if (cached != null) {
        Listeners.cacheHit(listener, digest);
        return new Top(cached, null, digest);
      }
      RegistryClient.Fetched f = network(ref.toString(), h -> client.get().getManifest(h, ref.registry(), ref.repository(), digest));
      store.putVerified(f.digest(), f.bytes());
      return new Top(f.bytes(), f.mediaType(), f.digest());
    }
    String key = ref.registry() + "/" + ref.repository() + ":" + ref.identifier();
    if (policy != PullPolicy.ALWAYS) {
      Optional<TagResolutions.Resolution> r = store.resolutions().lookup(key);
      if (r.isPresent()) {
        byte[] cached = store.readVerified(r.get().digest(), Manifests.MAX_MANIFEST_BYTES);
        if (cached != null) {
          Listeners.cacheHit(listener, r.get().digest());
          return new Top(cached, null, r.get().digest());
        }
      }
    }
    RegistryClient.Fetched f = network(key, h -> client.get().getManifest(h, ref.registry(), ref.repository(), ref.identifier()));
    store.putVerified(f.digest(), f.bytes());
    store.resolutions().record(key, f.digest());
    return new Top(f.bytes(), f.mediaType(), f.digest());
  }

  @Override
  public byte[] manifest(Descriptor d) {
    byte[] cached = store.readVerified(d.digest(), Manifests.MAX_MANIFEST_BYTES);
    if (cached != null) {
      Listeners.cacheHit(listener, d.digest());
      return Source.check(d, cached, "manifest");
    }
    if (d.size() > Manifests.MAX_MANIFEST_BYTES) {
      throw new MalformedContentException("manifest " + d.digest() + " declares " + d.size()
          + " bytes, more than the " + Manifests.MAX_MANIFEST_BYTES + "-byte limit");
    }
    RegistryClient.Fetched f = network(d.digest(), h -> client.get().getManifest(h, ref.registry(), ref.repository(), d.digest()));
    Source.check(d, f.bytes(), "manifest");
    store.putVerified(d.digest(), f.bytes());
    return f.bytes();
  }

  @Override
  public byte[] config(Descriptor d) {
    if (d.size() > Manifests.MAX_CONFIG_BYTES) {
      throw new MalformedContentException("config " + d.digest() + " declares " + d.size() + " bytes, more than the "
          + Manifests.MAX_CONFIG_BYTES + "-byte limit");
    }
    byte[] cached = store.readVerified(d.digest(), Manifests.MAX_CONFIG_BYTES);
    if (cached != null) {
      Listeners.cacheHit(listener, d.digest());
      return Source.check(d, cached, "config");
    }
    blob(d);
    return store.readVerified(d.digest(), Manifests.MAX_CONFIG_BYTES);
  }

  @Override
  public Path blob(Descriptor d) {
    Path p = store.ensure(d.digest(), d.size(), listener, pending -> network(d.digest(), h -> {
      client.get().fetchBlob(h, ref.registry(), ref.repository(), d.digest(), pending);
      return null;
    }));
    blobRepos.put(ref.registry() + " " + d.digest(), ref.repository());
    return p;
  }
}
