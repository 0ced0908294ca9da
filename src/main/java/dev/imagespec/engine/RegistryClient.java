package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Response;

/**
 * A small client for a registry's v2 (OCI distribution) API, used where the engine cannot answer:
 * the digest and platforms of a remote reference without pulling it, whether a tag moved, and the
 * tags of a repository; and pushes of blobs and manifests that are not in an engine (e.g. from
 * containerd's content store).
 *
 * <h2>Scheme</h2>
 *
 * Registries are spoken to over HTTPS with certificate verification. A registry is
 * <em>insecure</em> when it is listed in {@link Builder#insecureRegistries} ({@code host} matches
 * any port of that host, {@code host:port} only that port) or is a loopback address ({@code
 * 127.0.0.0/8}, {@code ::1}, {@code localhost}), as Docker treats them. For an insecure registry
 * the client finds out which protocol it speaks with an unauthenticated {@code GET /v2/} ping (5s
 * timeouts), and uses HTTPS <em>without</em> certificate verification or plain HTTP accordingly:
 *
 * <ul>
 *   <li>{@code host:port}: one port speaks one protocol, so it pings in plain HTTP first; any
 *       answer but 400 (what TLS listeners answer plain requests with) means plain HTTP, anything
 *       else HTTPS. Plain HTTP first because a TLS listener rejects a plain request at once, while
 *       some plain-HTTP servers never answer a TLS hello, which would cost the whole timeout.
 *   <li>{@code host} alone (ports 443 and 80): HTTPS first, plain HTTP when that fails at the
 *       connection or TLS level, as Docker does.
 * </ul>
 *
 * The scheme is remembered per registry once a request over it got an answer. So plain-HTTP local
 * registries (the usual {@code 127.0.0.1:5000}) work, and so do loopback registries with TLS.
 *
 * <h2>Authentication</h2>
 *
 * On a 401 the {@code WWW-Authenticate} challenge is answered: {@code Basic} with the username and
 * password of the {@link AuthConfig}; {@code Bearer} by fetching a token from the challenge's realm
 * for {@code repository:<path>:pull}, or {@code repository:<path>:pull,push} for the push methods
 * (basic-authenticated when credentials are given, or with the identity token as an OAuth2 refresh
 * token; a {@code registrytoken} is sent as is). Tokens are cached per registry, scope and
 * credentials until they expire. Credentials are never sent over plain HTTP to a host that is not
 * insecure (e.g. an {@code http://} token realm on a public host). Error messages and logs never
 * contain credentials, tokens or headers.
 *
 * <h2>Errors</h2>
 *
 * {@link EngineUnavailableException} when the registry cannot be reached; {@link ApiException} with
 * 401/403 when it refuses (or requires) credentials; {@link ImageNotFoundException} for a missing
 * manifest or repository; {@link ApiException} with the status for anything else.
 *
 * <h2>Retries</h2>
 *
 * A request answered 429, 500, 502, 503 or 504, and a {@code GET} or {@code HEAD} whose connection
 * was reset, is sent again: at most 4 attempts, after what the answer's {@code Retry-After} asks,
 * else 0.5 s, 1 s, 2 s. One request waits at most 60 s in all; an answer asking for longer is
 * reported at once, its message naming the wait ({@link RegistryRetries}). A blob stream cut in its
 * body is not resumed: the caller reads it again.
 *
 * <h2>Parts</h2>
 *
 * This class speaks the registry API (manifests, digests, tags, image configs); {@link
 * RegistryUploads} pushes blobs and manifests; {@link RegistryEndpoints} finds the scheme and holds
 * the HTTP clients, {@link RegistryAuthenticator} answers challenges and caches tokens, {@link
 * RegistryResponses} decodes answers and errors, and {@link RegistryNames} maps registry names
 * (Docker Hub's API host among them).
 *
 * <p>Instances are thread-safe and meant to be shared.
 */
public final class RegistryClient {

  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String DOCKER_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  static final String DOCKER_MANIFEST_V1_SIGNED =
      "application/vnd.docker.distribution.manifest.v1+prettyjws";
  private static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  private static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  private static final String ACCEPT =
      String.join(", ", OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST);

  /** Docker Hub's registry API host; references say {@code docker.io}. */
  public static final String DOCKER_HUB_REGISTRY = RegistryNames.DOCKER_HUB_REGISTRY;

  private static final long MAX_MANIFEST_BYTES = 4L << 20; // as Docker
  private static final long MAX_CONFIG_BYTES = 32L << 20;
  private static final long MAX_TAG_PAGE_BYTES = 16L << 20;
  private static final int MAX_TAG_PAGES = 1000;
  private static final Pattern SHA256_DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

  private final RegistryEndpoints endpoints;
  private final RegistryAuthenticator authenticator;
  private final RegistryUploads uploads;

  private RegistryClient(Builder b) {
    OkHttpClient.Builder cb = (b.httpClient != null ? b.httpClient.newBuilder() : base());
    cb.followRedirects(true).followSslRedirects(true);
    if (b.connectTimeout != null) {
      cb.connectTimeout(b.connectTimeout);
    }
    if (b.readTimeout != null) {
      cb.readTimeout(b.readTimeout);
    }
    this.endpoints = new RegistryEndpoints(cb.build(), b.insecureRegistries, b.userAgent);
    this.authenticator = new RegistryAuthenticator(endpoints);
    this.uploads = new RegistryUploads(endpoints, authenticator);
  }

  private static OkHttpClient.Builder base() {
    return new OkHttpClient.Builder()
        .connectTimeout(Duration.ofSeconds(10))
        .readTimeout(Duration.ofSeconds(60))
        .writeTimeout(Duration.ofSeconds(60));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings for a {@link RegistryClient}. */
  public static final class Builder {
    private final List<String> insecureRegistries = new ArrayList<>();
    private Duration connectTimeout;
    private Duration readTimeout;
    private OkHttpClient httpClient;
    private String userAgent = "imagespec";

    private Builder() {}

    /**
     * Registries (as {@code host} or {@code host:port}; a {@code http://} or {@code https://}
     * prefix is ignored) that may be reached over plain HTTP or HTTPS without certificate
     * verification. Loopback registries are always insecure. Adds to earlier calls.
     */
    public Builder insecureRegistries(Collection<String> registries) {
      insecureRegistries.addAll(registries);
      return this;
    }

    public Builder insecureRegistry(String registry) {
      insecureRegistries.add(registry);
      return this;
    }

    /** Connect timeout (default 10s, or the shared client's). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    /** Read timeout (default 60s, or the shared client's). */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = timeout;
      return this;
    }

    /** An OkHttp client whose connection pool and dispatcher to share (it is not modified). */
    public Builder httpClient(OkHttpClient client) {
      this.httpClient = client;
      return this;
    }

    public Builder userAgent(String userAgent) {
      this.userAgent = Objects.requireNonNull(userAgent);
      return this;
    }

    public RegistryClient build() {
      return new RegistryClient(this);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // public API

  /**
   * The manifest digest, media type, size and platforms the registry serves for {@code ref} (a tag,
   * {@code latest} when it has neither tag nor digest, or a digest). For a single manifest the
   * image config is fetched to read its platform, as Docker's distribution endpoint does.
   *
   * @param auth credentials, or null for anonymous access
   * @throws ImageNotFoundException when the registry has no such manifest or repository
   */
  public RegistryData inspect(ImageReference ref, AuthConfig auth) {
    RegistryTarget t = target(ref, auth);
    String reference = manifestReference(ref);
    String what = describe(ref);
    byte[] body;
    String contentType;
    String headerDigest;
    try (Response r = authenticator.send(t, "GET", manifestPath(t, reference), ACCEPT)) {
      if (r.code() == 404) {
        throw new ImageNotFoundException(RegistryResponses.notFound(t, what, r));
      }
      RegistryResponses.check(t, r, "GET manifest of " + what);
      body = RegistryResponses.read(t, r, MAX_MANIFEST_BYTES, "manifest of " + what);
      contentType = RegistryResponses.mediaType(r.header("Content-Type"));
      headerDigest = r.header("Docker-Content-Digest");
    }
    String digest = digestOf(t, ref, body, headerDigest, what);
    JsonNode manifest = RegistryResponses.parseJson(t, body, "manifest of " + what);
    String mediaType = RegistryResponses.text(manifest, "mediaType");
    if (mediaType == null) {
      mediaType = contentType;
    }
    List<RegistryData.Platform> platforms = new ArrayList<>();
    JsonNode entries = manifest.get("manifests");
    if (entries != null && entries.isArray()) {
      if (mediaType == null) {
        mediaType = OCI_INDEX;
      }
      for (JsonNode m : entries) {
        if (isAttestation(m)) {
          continue;
        }
        RegistryData.Platform p = platform(m.get("platform"));
        if (p != null && !platforms.contains(p)) {
          platforms.add(p);
        }
      }
    } else if (manifest.has("config")) {
      if (mediaType == null) {
        mediaType = OCI_MANIFEST;
      }
      JsonNode config = manifest.get("config");
      String configType = RegistryResponses.text(config, "mediaType");
      String configDigest = RegistryResponses.text(config, "digest");
      if (configDigest != null
          && (configType == null
              || configType.equals(DOCKER_CONFIG)
              || configType.equals(OCI_CONFIG))) {
        RegistryData.Platform p = platform(fetchConfig(t, configDigest, what));
        if (p != null) {
          platforms.add(p);
        }
      }
    } else if (manifest.path("schemaVersion").asInt() == 1) {
      // Legacy schema 1 (not asked for, but some registries still serve it): linux only.
      if (mediaType == null || mediaType.equals("application/json")) {
        mediaType = DOCKER_MANIFEST_V1_SIGNED;
      }
      String arch = RegistryResponses.text(manifest, "architecture");
      if (arch != null) {
        platforms.add(new RegistryData.Platform("linux", arch, null));
      }
    }
    return new RegistryData(digest, mediaType, body.length, platforms);
  }

  /**
   * The digest the registry serves for {@code ref} (what a pull by this tag resolves to), read with
   * a HEAD request; empty when the registry has no such manifest or repository.
   *
   * @param auth credentials, or null for anonymous access
   */
  public Optional<String> digest(ImageReference ref, AuthConfig auth) {
    RegistryTarget t = target(ref, auth);
    String reference = manifestReference(ref);
    String what = describe(ref);
    try (Response r = authenticator.send(t, "HEAD", manifestPath(t, reference), ACCEPT)) {
      if (r.code() == 404) {
        return Optional.empty();
      }
      RegistryResponses.check(t, r, "HEAD manifest of " + what);
      String header = r.header("Docker-Content-Digest");
      if (header != null && !header.isBlank()) {
        String d = header.trim();
        if (ref.hasDigest() && !d.equals(ref.digest().orElseThrow())) {
          throw new EngineException(
              "registry " + t.domain() + " answered digest " + d + " for " + what);
        }
        return Optional.of(d);
      }
    }
    // Some registries leave the digest header off HEAD answers: hash the manifest instead.
    try {
      return Optional.of(inspectDigestOnly(t, ref, reference, what));
    } catch (ImageNotFoundException e) {
      return Optional.empty();
    }
  }

  /**
   * The image ID (config digest) of the single-platform manifest the registry serves for {@code
   * ref}: the same value whatever compression the pusher chose, so it tells whether the registry
   * holds a given local image. Empty when the registry has no such manifest, or serves an index.
   *
   * @param auth credentials, or null for anonymous access
   */
  public Optional<String> configDigest(ImageReference ref, AuthConfig auth) {
    RegistryTarget t = target(ref, auth);
    String what = describe(ref);
    byte[] body;
    try (Response r =
        authenticator.send(t, "GET", manifestPath(t, manifestReference(ref)), ACCEPT)) {
      if (r.code() == 404) {
        return Optional.empty();
      }
      RegistryResponses.check(t, r, "GET manifest of " + what);
      body = RegistryResponses.read(t, r, MAX_MANIFEST_BYTES, "manifest of " + what);
    }
    JsonNode config = RegistryResponses.parseJson(t, body, "manifest of " + what).get("config");
    return Optional.ofNullable(config == null ? null : RegistryResponses.text(config, "digest"));
  }

  /**
   * Every tag of the repository of {@code repo} (its tag and digest are ignored), following the
   * registry's {@code Link} pagination, in the registry's order.
   *
   * @param auth credentials, or null for anonymous access
   * @throws ImageNotFoundException when the registry has no such repository
   */
  public List<String> listTags(ImageReference repo, AuthConfig auth) {
    RegistryTarget t = target(repo, auth);
    String what = t.domain() + "/" + t.path();
    List<String> tags = new ArrayList<>();
    String next = "/v2/" + t.path() + "/tags/list";
    for (int page = 0; next != null; page++) {
      if (page >= MAX_TAG_PAGES) {
        throw new EngineException(
            "registry "
                + t.domain()
                + " returned more than "
                + MAX_TAG_PAGES
                + " tag pages for "
                + what);
      }
      String link;
      byte[] body;
      try (Response r = authenticator.send(t, "GET", next, "application/json")) {
        if (r.code() == 404) {
          throw new ImageNotFoundException(
              "repository "
                  + what
                  + " not found in registry "
                  + t.domain()
                  + RegistryResponses.errorSuffix(r));
        }
        RegistryResponses.check(t, r, "GET tags of " + what);
        body = RegistryResponses.read(t, r, MAX_TAG_PAGE_BYTES, "tag list of " + what);
        link = r.header("Link");
      }
      JsonNode json = RegistryResponses.parseJson(t, body, "tag list of " + what);
      for (JsonNode tag : json.path("tags")) {
        if (tag.isTextual()) {
          tags.add(tag.asText());
        }
      }
      next = RegistryResponses.nextPage(t, link);
    }
    return tags;
  }

  /**
   * The manifest or index the registry serves for {@code ref} (a tag, {@code latest} when it has
   * neither tag nor digest, or a digest), with its exact bytes, so it can be pushed elsewhere under
   * the same digest. The bytes are checked against the reference's digest, or else the registry's
   * {@code Docker-Content-Digest}.
   *
   * @param auth credentials, or null for anonymous access
   * @throws ImageNotFoundException when the registry has no such manifest or repository
   * @throws EngineException when it serves a legacy schema 1 manifest, or bytes not matching the
   *     digest
   */
  public RegistryManifest fetchManifest(ImageReference ref, AuthConfig auth) {
    RegistryTarget t = target(ref, auth);
    String what = describe(ref);
    byte[] body;
    String contentType;
    String headerDigest;
    try (Response r =
        authenticator.send(t, "GET", manifestPath(t, manifestReference(ref)), ACCEPT)) {
      if (r.code() == 404) {
        throw new ImageNotFoundException(RegistryResponses.notFound(t, what, r));
      }
      RegistryResponses.check(t, r, "GET manifest of " + what);
      body = RegistryResponses.read(t, r, MAX_MANIFEST_BYTES, "manifest of " + what);
      contentType = RegistryResponses.mediaType(r.header("Content-Type"));
      headerDigest = r.header("Docker-Content-Digest");
    }
    String digest = digestOf(t, ref, body, headerDigest, what);
    JsonNode manifest = RegistryResponses.parseJson(t, body, "manifest of " + what);
    String mediaType = RegistryResponses.text(manifest, "mediaType");
    if (mediaType == null || mediaType.isBlank()) {
      // OCI lets the field out; the registry then serves what the pusher sent as Content-Type.
      mediaType =
          contentType != null && contentType.startsWith("application/vnd.")
              ? contentType
              : manifest.has("manifests") ? OCI_INDEX : OCI_MANIFEST;
    }
    if (mediaType.equals(DOCKER_MANIFEST_V1_SIGNED)
        || manifest.path("schemaVersion").asInt() == 1) {
      throw new EngineException(
          "registry "
              + t.domain()
              + " serves "
              + what
              + " as a legacy schema 1 manifest, which cannot be copied with its digest: push"
              + " it again with a current client");
    }
    return new RegistryManifest(digest, mediaType, body);
  }

  /**
   * Opens the blob {@code digest} of the repository of {@code repository} (its tag and digest are
   * ignored) as a stream straight from the registry, never held in memory. The stream checks the
   * bytes against the digest (sha256, sha512) and fails at their end when they do not match;
   * closing it ends the request.
   *
   * @param auth credentials, or null for anonymous access
   * @throws ImageNotFoundException when the repository has no such blob
   * @throws InvalidArgumentException when {@code digest} is not a digest
   */
  public InputStream openBlob(ImageReference repository, String digest, AuthConfig auth) {
    RegistryUploads.checkDigest(digest, repository);
    RegistryTarget t = target(repository, auth);
    Response r = authenticator.send(t, "GET", "/v2/" + t.path() + "/blobs/" + digest, "*/*");
    try {
      if (r.code() == 404) {
        throw new ImageNotFoundException(
            "blob "
                + digest
                + " not found in "
                + t.repository()
                + RegistryResponses.errorSuffix(r));
      }
      RegistryResponses.check(t, r, "GET blob " + digest + " of " + t.repository());
      return new VerifiedBlobStream(r, t, digest);
    } catch (RuntimeException e) {
      r.close();
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // push

  /** Source of a blob's bytes; may be opened more than once (retries). */
  @FunctionalInterface
  public interface BlobSource {
    /** A fresh stream over the blob's bytes, from the first; the caller closes it. */
    InputStream open() throws IOException;
  }

  /**
   * True when the repository of {@code repository} (its tag and digest are ignored) holds the blob
   * {@code digest} ({@code HEAD /v2/<path>/blobs/<digest>}).
   *
   * @param auth credentials, or null for anonymous access
   * @throws InvalidArgumentException when {@code digest} is not a digest
   */
  public boolean blobExists(ImageReference repository, String digest, AuthConfig auth) {
    return uploads.blobExists(repository, digest, auth);
  }

  /**
   * Uploads the blob {@code digest} of {@code size} bytes into the repository of {@code
   * repository}, unless it is there already: one monolithic upload ({@code POST} then {@code PUT
   * ?digest=}), streamed from {@code source}, never held in memory. The registry checks the bytes
   * against the digest.
   *
   * @param auth credentials, or null for anonymous access
   * @throws ApiException when the registry refuses the upload (401/403: credentials; 400: the
   *     content does not match the digest); {@link EngineException} when the source fails or does
   *     not hold {@code size} bytes
   */
  public void uploadBlob(
      ImageReference repository, String digest, long size, BlobSource source, AuthConfig auth) {
    uploads.uploadBlob(repository, digest, size, source, auth);
  }

  /** The pushes, for {@link RegistryCopy}, which counts what each blob took. */
  RegistryUploads uploads() {
    return uploads;
  }

  /**
   * Uploads {@code content} as a blob (an image config, say) unless the repository holds it, and
   * returns its digest ({@code sha256:...}).
   */
  public String uploadBlob(ImageReference repository, byte[] content, AuthConfig auth) {
    Objects.requireNonNull(content, "content");
    String digest = RegistryResponses.sha256(content);
    uploads.uploadBlob(
        repository, digest, content.length, () -> new ByteArrayInputStream(content), auth);
    return digest;
  }

  /**
   * Puts the blob {@code digest} into the repository of {@code repository} by mounting it from the
   * repository of {@code from} when both are on the same registry ({@code POST ?mount=&from=}, no
   * bytes sent); falls back to {@link #uploadBlob(ImageReference, String, long, BlobSource,
   * AuthConfig) uploading} it from {@code source} when the registry does not mount it. Does nothing
   * when the repository holds the blob already.
   *
   * @param auth credentials for the registry (both repositories), or null for anonymous access
   */
  public void mountBlob(
      ImageReference repository,
      ImageReference from,
      String digest,
      long size,
      BlobSource source,
      AuthConfig auth) {
    uploads.mountBlob(repository, from, digest, size, source, auth);
  }

  /**
   * Puts a manifest (or index) under the tag of {@code reference} ({@code PUT
   * /v2/<path>/manifests/<tag>}), or under its digest when it has no tag, {@code latest} when it
   * has neither; the blobs and manifests it refers to must be in the repository already.
   *
   * @param mediaType the manifest's media type, sent as its {@code Content-Type} (e.g. {@link
   *     #OCI_MANIFEST}, {@link #DOCKER_MANIFEST}, {@link #OCI_INDEX})
   * @param body the manifest's exact bytes (at most 4 MiB)
   * @param auth credentials, or null for anonymous access
   * @return the manifest's digest: the registry's {@code Docker-Content-Digest}, or the sha256 of
   *     {@code body}
   * @throws InvalidArgumentException when {@code reference} has a digest {@code body} does not
   *     match, or the media type is not one
   * @throws ApiException when the registry refuses the manifest (e.g. 400 {@code
   *     MANIFEST_BLOB_UNKNOWN} when a blob is missing)
   */
  public String putManifest(
      ImageReference reference, String mediaType, byte[] body, AuthConfig auth) {
    return uploads.putManifest(reference, mediaType, body, auth);
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * True when {@code registry} (host[:port]) may be reached over plain HTTP or unverified TLS:
   * loopback hosts and those given to {@link Builder#insecureRegistries}.
   */
  public boolean isInsecure(String registry) {
    return endpoints.isInsecure(registry);
  }

  // ---------------------------------------------------------------------------------------------
  // manifests and blobs

  private String inspectDigestOnly(
      RegistryTarget t, ImageReference ref, String reference, String what) {
    try (Response r = authenticator.send(t, "GET", manifestPath(t, reference), ACCEPT)) {
      if (r.code() == 404) {
        throw new ImageNotFoundException(RegistryResponses.notFound(t, what, r));
      }
      RegistryResponses.check(t, r, "GET manifest of " + what);
      byte[] body = RegistryResponses.read(t, r, MAX_MANIFEST_BYTES, "manifest of " + what);
      return digestOf(t, ref, body, r.header("Docker-Content-Digest"), what);
    }
  }

  private JsonNode fetchConfig(RegistryTarget t, String configDigest, String what) {
    if (!configDigest.matches("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")) {
      throw new EngineException(
          "registry "
              + t.domain()
              + " served a manifest with an invalid config digest for "
              + what);
    }
    try (Response r =
        authenticator.send(t, "GET", "/v2/" + t.path() + "/blobs/" + configDigest, "*/*")) {
      if (r.code() == 404) {
        throw new ImageNotFoundException(
            "image config "
                + configDigest
                + " of "
                + what
                + " not found in registry "
                + t.domain()
                + RegistryResponses.errorSuffix(r));
      }
      RegistryResponses.check(t, r, "GET image config of " + what);
      byte[] body = RegistryResponses.read(t, r, MAX_CONFIG_BYTES, "image config of " + what);
      if (configDigest.startsWith("sha256:")
          && !configDigest.equals(RegistryResponses.sha256(body))) {
        throw new EngineException(
            "registry " + t.domain() + " served an image config not matching " + configDigest);
      }
      return RegistryResponses.parseJson(t, body, "image config of " + what);
    }
  }

  private String digestOf(
      RegistryTarget t, ImageReference ref, byte[] body, String headerDigest, String what) {
    String computed = RegistryResponses.sha256(body);
    if (ref.hasDigest()) {
      String wanted = ref.digest().orElseThrow();
      if (wanted.startsWith("sha256:") && !wanted.equals(computed)) {
        throw new EngineException(
            "registry " + t.domain() + " served a manifest not matching the digest of " + what);
      }
      return wanted;
    }
    if (headerDigest != null && !headerDigest.isBlank()) {
      String h = headerDigest.trim();
      if (SHA256_DIGEST.matcher(h).matches() && !h.equals(computed)) {
        throw new EngineException(
            "registry "
                + t.domain()
                + " served a manifest for "
                + what
                + " not matching its Docker-Content-Digest "
                + h);
      }
      return h;
    }
    return computed;
  }

  private static boolean isAttestation(JsonNode entry) {
    JsonNode type = entry.path("annotations").get("vnd.docker.reference.type");
    if (type != null && "attestation-manifest".equals(type.asText())) {
      return true;
    }
    JsonNode p = entry.get("platform");
    return p != null
        && "unknown".equals(p.path("os").asText())
        && "unknown".equals(p.path("architecture").asText());
  }

  private static RegistryData.Platform platform(JsonNode node) {
    if (node == null || !node.isObject()) {
      return null;
    }
    String os = RegistryResponses.text(node, "os");
    String arch = RegistryResponses.text(node, "architecture");
    if (os == null && arch == null) {
      return null;
    }
    String variant = RegistryResponses.text(node, "variant");
    return new RegistryData.Platform(
        os, arch, variant == null || variant.isEmpty() ? null : variant);
  }

  private static RegistryTarget target(ImageReference ref, AuthConfig auth) {
    return RegistryTarget.of(ref, auth);
  }

  private static String manifestReference(ImageReference ref) {
    return ref.digest().orElseGet(ref::tagOrDefault);
  }

  private static String manifestPath(RegistryTarget t, String reference) {
    return "/v2/" + t.path() + "/manifests/" + reference;
  }

  private static String describe(ImageReference ref) {
    return ref.hasDigest() || ref.tag().isPresent()
        ? ref.canonical()
        : ref.withDefaultTag().canonical();
  }
}
