package dev.imagespec.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Pushes small hand-made images into a plain-HTTP registry through the v2 API (monolithic blob
 * uploads, then the manifest), for tests that need known content and digests.
 */
final class TestRegistryPusher {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType OCTETS = MediaType.get("application/octet-stream");

  private final OkHttpClient http =
      new OkHttpClient.Builder()
          .connectTimeout(Duration.ofSeconds(5))
          .readTimeout(Duration.ofSeconds(30))
          .build();
  private final String registry;
  private final String authorization;

  /**
   * @param registry host:port of a plain-HTTP registry
   * @param authorization an Authorization header value (e.g. basic), or null
   */
  TestRegistryPusher(String registry, String authorization) {
    this.registry = registry;
    this.authorization = authorization;
  }

  /** A pushed manifest: its bytes, digest and media type. */
  record Pushed(byte[] bytes, String digest, String mediaType) {
    long size() {
      return bytes.length;
    }
  }

  /** Uploads a blob (monolithic POST + PUT) and returns its digest. */
  String pushBlob(String repo, byte[] content) throws IOException {
    String digest = RegistryResponses.sha256(content);
    Request start =
        request(url("/v2/" + repo + "/blobs/uploads/"))
            .post(RequestBody.create(new byte[0], null))
            .build();
    String location;
    try (Response r = http.newCall(start).execute()) {
      if (r.code() != 202) {
        throw new IOException("starting upload to " + repo + ": HTTP " + r.code());
      }
      location = r.header("Location");
    }
    HttpUrl upload = url("/").resolve(location);
    if (upload == null) {
      throw new IOException("bad upload location " + location);
    }
    HttpUrl put = upload.newBuilder().addQueryParameter("digest", digest).build();
    try (Response r =
        http.newCall(request(put).put(RequestBody.create(content, OCTETS)).build()).execute()) {
      if (r.code() != 201) {
        throw new IOException("finishing upload to " + repo + ": HTTP " + r.code());
      }
    }
    return digest;
  }

  /** PUTs a manifest under {@code reference} (tag or digest). */
  Pushed pushManifest(String repo, String reference, String mediaType, byte[] manifest)
      throws IOException {
    Request put =
        request(url("/v2/" + repo + "/manifests/" + reference))
            .put(RequestBody.create(manifest, MediaType.get(mediaType)))
            .build();
    try (Response r = http.newCall(put).execute()) {
      if (r.code() != 201) {
        String body = r.body() == null ? "" : r.body().string();
        throw new IOException(
            "pushing manifest " + repo + ":" + reference + ": HTTP " + r.code() + " " + body);
      }
    }
    return new Pushed(manifest, RegistryResponses.sha256(manifest), mediaType);
  }

  /**
   * Pushes a one-layer image for {@code os/arch[/variant]} and returns its manifest (not tagged
   * when {@code tag} is null: then it is pushed by digest).
   */
  Pushed pushImage(
      String repo, String tag, String mediaType, String os, String arch, String variant)
      throws IOException {
    boolean oci = mediaType.equals(RegistryClient.OCI_MANIFEST);
    byte[] layer =
        ("layer for " + os + "/" + arch + "/" + variant + " " + repo)
            .getBytes(StandardCharsets.UTF_8);
    String layerDigest = pushBlob(repo, layer);
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", arch);
    config.put("os", os);
    if (variant != null) {
      config.put("variant", variant);
    }
    config.putObject("config").putArray("Cmd").add("/bin/true");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.putArray("diff_ids").add(layerDigest);
    byte[] configBytes = JSON.writeValueAsBytes(config);
    String configDigest = pushBlob(repo, configBytes);

    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", mediaType);
    ObjectNode c = manifest.putObject("config");
    c.put(
        "mediaType",
        oci
            ? "application/vnd.oci.image.config.v1+json"
            : "application/vnd.docker.container.image.v1+json");
    c.put("size", configBytes.length);
    c.put("digest", configDigest);
    ObjectNode l = manifest.putArray("layers").addObject();
    l.put(
        "mediaType",
        oci
            ? "application/vnd.oci.image.layer.v1.tar"
            : "application/vnd.docker.image.rootfs.diff.tar");
    l.put("size", layer.length);
    l.put("digest", layerDigest);
    byte[] bytes = JSON.writeValueAsBytes(manifest);
    return pushManifest(
        repo, tag != null ? tag : RegistryResponses.sha256(bytes), mediaType, bytes);
  }

  /**
   * Pushes an OCI index over the given manifests (pushed first by digest), plus an attestation
   * entry (platform unknown/unknown) as buildx adds, under {@code tag}.
   */
  Pushed pushIndex(String repo, String tag, Pushed[] manifests, String[][] platforms)
      throws IOException {
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", RegistryClient.OCI_INDEX);
    ArrayNode entries = index.putArray("manifests");
    for (int i = 0; i < manifests.length; i++) {
      ObjectNode e = entries.addObject();
      e.put("mediaType", manifests[i].mediaType());
      e.put("digest", manifests[i].digest());
      e.put("size", manifests[i].size());
      ObjectNode p = e.putObject("platform");
      p.put("architecture", platforms[i][1]);
      p.put("os", platforms[i][0]);
      if (platforms[i].length > 2) {
        p.put("variant", platforms[i][2]);
      }
    }
    // An attestation manifest as buildx attaches (it is an ordinary OCI manifest).
    Pushed attestation =
        pushImage(repo, null, RegistryClient.OCI_MANIFEST, "unknown", "unknown", null);
    ObjectNode e = entries.addObject();
    e.put("mediaType", attestation.mediaType());
    e.put("digest", attestation.digest());
    e.put("size", attestation.size());
    ObjectNode p = e.putObject("platform");
    p.put("architecture", "unknown");
    p.put("os", "unknown");
    ObjectNode annotations = e.putObject("annotations");
    annotations.put("vnd.docker.reference.type", "attestation-manifest");
    annotations.put("vnd.docker.reference.digest", manifests[0].digest());
    byte[] bytes = JSON.writeValueAsBytes(index);
    return pushManifest(repo, tag, RegistryClient.OCI_INDEX, bytes);
  }

  private HttpUrl url(String path) {
    return HttpUrl.get("http://" + registry + path);
  }

  private Request.Builder request(HttpUrl url) {
    Request.Builder b = new Request.Builder().url(url);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return b;
  }
}
