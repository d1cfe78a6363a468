package dev.skiff.oci.internal.source;

import dev.skiff.oci.AmbiguousModuleException;
import dev.skiff.oci.MalformedContentException;
import dev.skiff.oci.NotFoundException;
import dev.skiff.oci.OciException;
import dev.skiff.oci.PullListener;
import dev.skiff.oci.internal.Listeners;
import dev.skiff.oci.internal.format.Descriptor;
import dev.skiff.oci.internal.format.Digests;
import dev.skiff.oci.internal.format.Manifests;
import dev.skiff.oci.internal.format.MediaTypes;
import dev.skiff.oci.internal.store.BlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** An OCI image layout directory ({@code oci-layout}, {@code index.json}, {@code blobs/}); tags are ref.name annotations. */
public final class LayoutSource extends LocalSource {
  static final String REF_NAME = "org.opencontainers.image.ref.name";


  public LayoutSource(Path dir, String tag, BlobStore store, PullListener listener, String label) {
    super(dir, tag, store, listener, label);
  }

  @Override
  public Top top() {
    Listeners.resolving(listener, label);
    if (!Files.isRegularFile(dir.resolve("index.json"))) {
      throw new NotFoundException(label, label + " is not an OCI image layout: " + dir.resolve("index.json")
          + " does not exist");
    }
    byte[] indexBytes = read(dir.resolve("index.json"), Manifests.MAX_MANIFEST_BYTES, "index.json of " + label);
    Manifests.Parsed p = Manifests.parse(indexBytes, MediaTypes.OCI_INDEX, "index.json of " + label);
    if (!(p instanceof Manifests.Index idx)) {
      throw new MalformedContentException("index.json of " + label + " is not an image index");
    }
    List<Descriptor> entries = idx.manifests();
    Descriptor chosen = null;
    if (tag != null) {
      List<String> names = new ArrayList<>();
      for (Descriptor d : entries) {
        String name = d.annotations().get(REF_NAME);
        if (name != null) {
          names.add(name);
        }
        if (tag.equals(name)) {
          chosen = d;
          break;
        }
      }
      if (chosen == null) {
        throw new NotFoundException(tag, "tag \"" + tag + "\" is not in " + label + "; it has " + (names.isEmpty()
            ? "no tagged entries" : "tags " + names));
      }
    } else if (entries.size() == 1) {
      chosen = entries.get(0);
    } else if (entries.isEmpty()) {
      throw new NotFoundException(label, label + " has an empty index.json");
    } else {
      boolean allPlatforms = entries.stream().allMatch(d -> d.platform() != null);
      if (allPlatforms) {
        return new Top(indexBytes, MediaTypes.OCI_INDEX, Digests.sha256(indexBytes));
      }
      List<String> names = entries.stream().map(d -> d.annotations().getOrDefault(REF_NAME, d.digest())).toList();
      throw new AmbiguousModuleException(names, label + " holds " + entries.size() + " images " + names
          + "; name one as " + label + ":TAG");
    }
    byte[] bytes = Source.check(chosen, read(blobFile(chosen), Manifests.MAX_MANIFEST_BYTES, "manifest " + chosen.digest()),
        "manifest in " + label);
    return new Top(bytes, chosen.mediaType(), chosen.digest());
  }

  private Path blobFile(Descriptor d) {
    return dir.resolve("blobs").resolve(Digests.algorithm(d.digest())).resolve(Digests.hex(d.digest()));
  }

  private byte[] read(Path f, int max, String what) {
    try {
      if (Files.size(f) > max) {
        throw new MalformedContentException(what + " is larger than " + max + " bytes");
      }
      return Files.readAllBytes(f);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new NotFoundException(f.toString(), what + " is missing from " + label + " (" + f + ")");
    } catch (IOException e) {
      throw new OciException("cannot read " + what + " from " + label + ": " + e.getMessage(), e);
    }
  }

  @Override
  public byte[] manifest(Descriptor d) {
    return Source.check(d, read(blobFile(d), Manifests.MAX_MANIFEST_BYTES, "manifest " + d.digest()), "manifest in " + label);
  }

  @Override
  public byte[] config(Descriptor d) {
    return Source.check(d, read(blobFile(d), Manifests.MAX_CONFIG_BYTES, "config " + d.digest()), "config in " + label);
  }

  @Override
  public Path blob(Descriptor d) {
    Path f = blobFile(d);
    if (!Files.isRegularFile(f)) {
      throw new NotFoundException(d.digest(), "blob " + d.digest() + " is missing from " + label);
    }
    return storeCopy(d, f);
  }
}
