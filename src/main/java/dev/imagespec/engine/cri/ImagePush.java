package dev.imagespec.engine.cri;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.EngineException;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.containerd.types.Descriptor;
import dev.imagespec.engine.cri.v1.Image;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One push of an image from containerd's content store to a registry (see {@link CriRuntime#push}):
 * blobs first (mounted from the repository the image came from when that is on the same registry,
 * else streamed from the content store), then manifests by digest, then the top manifest or index
 * under the tag.
 */
final class ImagePush {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_MANIFEST_BYTES = 4 << 20;

  private final ContainerdClient containerd;
  private final RegistryClient registry;
  private final ImageReference target;
  private final ImageReference repository;
  private final AuthConfig auth;
  private final Optional<ImageReference> mountFrom;
  private final Optional<ImageReference> pulledFrom;

  ImagePush(
      ContainerdClient containerd,
      RegistryClient registry,
      ImageReference target,
      AuthConfig auth,
      Image image) {
    this.containerd = containerd;
    this.registry = registry;
    this.target = target;
    this.repository = target.withoutTagAndDigest();
    this.auth = auth;
    this.mountFrom =
        image.getRepoDigestsList().stream()
            .map(ImageReference::parse)
            .filter(r -> r.domain().equals(target.domain()))
            .filter(r -> !r.path().equals(target.path()))
            .findFirst();
    this.pulledFrom = image.getRepoDigestsList().stream().map(ImageReference::parse).findFirst();
  }

  /** Pushes what {@code top} (the image record's target) describes; the digest under the tag. */
  String push(Descriptor top) {
    String mediaType = top.getMediaType();
    byte[] body = read(top.getDigest());
    if (!isIndex(mediaType)) {
      pushBlobsOf(top.getDigest(), body);
      return registry.putManifest(target, mediaType, body, auth);
    }
    JsonNode index = parse(top.getDigest(), body);
    List<JsonNode> present = new ArrayList<>();
    int total = 0;
    for (JsonNode m : index.path("manifests")) {
      total++;
      String digest = m.path("digest").asText();
      if (containerd.info(digest).isEmpty()) {
        continue;
      }
      byte[] manifest = read(digest);
      pushBlobsOf(digest, manifest);
      registry.putManifest(
          repository.withDigest(digest), m.path("mediaType").asText(), manifest, auth);
      present.add(m);
    }
    if (present.isEmpty()) {
      throw new EngineException(
          "cannot push "
              + target.canonical()
              + ": none of the "
              + total
              + " platform manifests of its index "
              + top.getDigest()
              + " is in containerd's content store; pull it again");
    }
    if (present.size() == total) {
      return registry.putManifest(target, mediaType, body, auth);
    }
    if (present.size() == 1) {
      JsonNode only = present.get(0);
      String digest = only.path("digest").asText();
      return registry.putManifest(target, only.path("mediaType").asText(), read(digest), auth);
    }
    ObjectNode reduced = ((ObjectNode) index).deepCopy();
    ArrayNode manifests = reduced.putArray("manifests");
    present.forEach(manifests::add);
    try {
      return registry.putManifest(target, mediaType, JSON.writeValueAsBytes(reduced), auth);
    } catch (IOException e) {
      throw new EngineException("cannot write the index of " + target.canonical(), e);
    }
  }

  private void pushBlobsOf(String manifestDigest, byte[] manifest) {
    JsonNode m = parse(manifestDigest, manifest);
    List<JsonNode> blobs = new ArrayList<>();
    if (m.has("config")) {
      blobs.add(m.get("config"));
    }
    m.path("layers").forEach(blobs::add);
    for (JsonNode b : blobs) {
      String digest = b.path("digest").asText();
      long size = b.path("size").asLong();
      if (b.path("mediaType").asText().contains("foreign") || b.has("urls")) {
        continue; // non-distributable layers are fetched from their URLs, never pushed
      }
      RegistryClient.BlobSource source = () -> open(digest);
      if (mountFrom.isPresent()) {
        registry.mountBlob(repository, mountFrom.get(), digest, size, source, auth);
      } else {
        registry.uploadBlob(repository, digest, size, source, auth);
      }
    }
  }

  /**
   * The blob from containerd's content store, else from the registry the image was pulled from
   * (containerd does not fetch a layer whose snapshot another image has unpacked already).
   */
  private java.io.InputStream open(String digest) throws IOException {
    if (containerd.info(digest).isPresent()) {
      return containerd.read(digest);
    }
    if (pulledFrom.isEmpty()) {
      throw new IOException(
          "blob "
              + digest
              + " is not in containerd's content store and the image names no registry it came"
              + " from: pull it by a registry name first");
    }
    ImageReference from = pulledFrom.get();
    // The push's credentials are for the target's registry; another registry is read anonymously.
    AuthConfig fromAuth = from.domain().equals(target.domain()) ? auth : null;
    try {
      return registry.openBlob(from, digest, fromAuth);
    } catch (EngineException e) {
      throw new IOException(
          "blob "
              + digest
              + " is not in containerd's content store, and reading it from "
              + from.repository()
              + " failed: "
              + e.getMessage(),
          e);
    }
  }

  private byte[] read(String digest) {
    try {
      return containerd.readAll(digest, MAX_MANIFEST_BYTES);
    } catch (IOException e) {
      throw new EngineException(
          "cannot push " + target.canonical() + ": reading " + digest + ": " + e.getMessage(), e);
    }
  }

  private JsonNode parse(String digest, byte[] body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new EngineException(
          "cannot push "
              + target.canonical()
              + ": manifest "
              + digest
              + " in containerd's content store is not JSON: "
              + e.getMessage(),
          e);
    }
  }

  private static boolean isIndex(String mediaType) {
    return mediaType.equals(RegistryClient.OCI_INDEX)
        || mediaType.equals(RegistryClient.DOCKER_LIST);
  }
}
