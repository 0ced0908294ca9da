package dev.imagespec.engine;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes for {@link RegistryClient}: blob existence checks ({@code HEAD}), monolithic blob uploads
 * streamed from a {@link RegistryClient.BlobSource} ({@code POST} then {@code PUT ?digest=}),
 * cross-repository mounts, and manifest {@code PUT}s, all with the {@code pull,push} scope.
 */
final class RegistryUploads {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryUploads.class);
  private static final MediaType OCTETS = MediaType.get("application/octet-stream");
  private static final Pattern DIGEST =
      Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");
  static final long MAX_MANIFEST_BYTES = 4L << 20; // as Docker and distribution

  private final RegistryAuthenticator authenticator;
  private final RegistryEndpoints endpoints;

  RegistryUploads(RegistryEndpoints endpoints, RegistryAuthenticator authenticator) {
    this.endpoints = endpoints;
    this.authenticator = authenticator;
  }

  boolean blobExists(ImageReference repository, String digest, AuthConfig auth) {
    checkDigest(digest, repository);
    return exists(RegistryTarget.forPush(repository, auth, null), digest);
  }

  void uploadBlob(
      ImageReference repository,
      String digest,
      long size,
      RegistryClient.BlobSource source,
      AuthConfig auth) {
    checkBlob(repository, digest, size, source);
    RegistryTarget t = RegistryTarget.forPush(repository, auth, null);
    if (exists(t, digest)) {
      LOG.debug("registry {}: blob {} already in {}", t.domain(), digest, t.path());
      return;
    }
    finish(t, startUpload(t, digest, null), digest, size, source);
  }

  void mountBlob(
      ImageReference repository,
      ImageReference from,
      String digest,
      long size,
      RegistryClient.BlobSource source,
      AuthConfig auth) {
    Objects.requireNonNull(from, "from");
    checkBlob(repository, digest, size, source);
    if (!from.domain().equals(repository.domain()) || from.path().equals(repository.path())) {
      uploadBlob(repository, digest, size, source, auth);
      return;
    }
    RegistryTarget t = RegistryTarget.forPush(repository, auth, from.path());
    String location;
    try {
      if (exists(t, digest)) {
        return;
      }
      location = startUpload(t, digest, from.path());
    } catch (ApiException e) {
      // As Docker: a refused mount (no read access to the source, say) falls back to an upload.
      LOG.debug(
          "registry {}: mount of {} from {} failed ({}), uploading",
          t.domain(),
          digest,
          from.path(),
          e.status());
      uploadBlob(repository, digest, size, source, auth);
      return;
    }
    if (location == null) {
      LOG.debug("registry {}: mounted {} from {} into {}", t.domain(), digest, from, t.path());
      return;
    }
    finish(t, location, digest, size, source);
  }

  String putManifest(ImageReference reference, String mediaType, byte[] body, AuthConfig auth) {
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(body, "body");
    MediaType type = mediaType == null ? null : MediaType.parse(mediaType);
    if (type == null) {
      throw new InvalidArgumentException(
          "invalid manifest media type '"
              + mediaType
              + "' for "
              + reference.canonical()
              + ": give the manifest's mediaType, e.g. "
              + RegistryClient.OCI_MANIFEST);
    }
    if (body.length == 0 || body.length > MAX_MANIFEST_BYTES) {
      throw new InvalidArgumentException(
          "manifest for "
              + reference.canonical()
              + " is "
              + body.length
              + " bytes: registries accept 1 byte to "
              + MAX_MANIFEST_BYTES
              + " bytes");
    }
    String computed = RegistryResponses.sha256(body);
    String digest = reference.digest().orElse(null);
    if (digest != null && digest.startsWith("sha256:") && !digest.equals(computed)) {
      throw new InvalidArgumentException(
          "manifest for "
              + reference.canonical()
              + " hashes to "
              + computed
              + ", not to the reference's digest: push it by tag or by its own digest");
    }
    String tagOrDigest =
        reference.tag().orElse(digest != null ? digest : ImageReference.DEFAULT_TAG);
    RegistryTarget t = RegistryTarget.forPush(reference, auth, null);
    String what =
        "push of manifest "
            + t.repository()
            + (tagOrDigest.equals(digest) ? "@" : ":")
            + tagOrDigest;
    try (Response r =
        authenticator.send(
            t,
            "PUT",
            "/v2/" + t.path() + "/manifests/" + tagOrDigest,
            "*/*",
            RequestBody.create(body, type))) {
      if (!r.isSuccessful()) {
        throw failure(t, r, what, null);
      }
      String header = r.header("Docker-Content-Digest");
      if (header != null && !header.isBlank()) {
        String h = header.trim();
        if (SHA256.matcher(h).matches() && !h.equals(computed)) {
          throw new EngineException(
              what
                  + ": registry "
                  + t.domain()
                  + " stored it as "
                  + h
                  + " but its bytes hash to "
                  + computed
                  + "; the registry changed the manifest: pull it by tag and check it");
        }
        return digest != null ? digest : h;
      }
    }
    return digest != null ? digest : computed;
  }

  // ---------------------------------------------------------------------------------------------

  private boolean exists(RegistryTarget t, String digest) {
    try (Response r = authenticator.send(t, "HEAD", blobPath(t, digest), "*/*")) {
      if (r.code() == 404) {
        return false;
      }
      if (r.isSuccessful()) {
        return true;
      }
      throw failure(t, r, "check of blob " + digest + " in " + t.repository(), null);
    }
  }

  /**
   * Starts an upload ({@code POST}), as a mount of {@code mountFrom} when not null.
   *
   * @return the upload's location, or null when the registry mounted the blob
   */
  private String startUpload(RegistryTarget t, String digest, String mountFrom) {
    String base = uploadsPath(t);
    String path = base;
    if (mountFrom != null) {
      HttpUrl url =
          HttpUrl.get("http://localhost/")
              .newBuilder()
              .addQueryParameter("mount", digest)
              .addQueryParameter("from", mountFrom)
              .build();
      path += "?" + url.encodedQuery();
    }
    String what = "upload of blob " + digest + " to " + t.repository();
    try (Response r = authenticator.send(t, "POST", path, "*/*", null)) {
      if (mountFrom != null && r.code() == 201) {
        checkDigestHeader(t, r, digest, what);
        return null;
      }
      if (r.code() != 202) {
        throw failure(t, r, what, r.isSuccessful() ? "expected 202 Accepted" : null);
      }
      String location = r.header("Location");
      if (location == null || location.isBlank()) {
        throw new EngineException(
            what
                + " failed: registry "
                + t.domain()
                + " started it without a Location header; it does not follow the registry API");
      }
      return location;
    }
  }

  /** Sends the blob's bytes to the upload {@code location} ({@code PUT ?digest=}). */
  private void finish(
      RegistryTarget t,
      String location,
      String digest,
      long size,
      RegistryClient.BlobSource source) {
    String what = "upload of blob " + digest + " (" + size + " bytes) to " + t.repository();
    HttpUrl put =
        RegistryEndpoints.resolve(t, uploadsPath(t), location)
            .newBuilder()
            .addQueryParameter("digest", digest)
            .build();
    String onRegistry = RegistryEndpoints.onRegistry(t, put);
    StreamedBlob body = new StreamedBlob(source, size, what);
    try (Response r =
        onRegistry != null
            ? authenticator.send(t, "PUT", onRegistry, "*/*", body)
            : endpoints.executeElsewhere(t, "PUT", put, body)) {
      if (r.code() != 201) {
        String written = body.written;
        String hint = null;
        if (written != null && digest.startsWith("sha256:") && !written.equals(digest)) {
          hint =
              "the source's bytes hash to "
                  + written
                  + ", not to "
                  + digest
                  + ": upload the blob under its true digest";
        } else if (r.isSuccessful()) {
          hint = "expected 201 Created; the upload was not completed";
        }
        throw failure(t, r, what, hint);
      }
      checkDigestHeader(t, r, digest, what);
    }
  }

  private static void checkDigestHeader(RegistryTarget t, Response r, String digest, String what) {
    String header = r.header("Docker-Content-Digest");
    if (header != null && !header.isBlank() && !header.trim().equals(digest)) {
      throw new EngineException(
          what
              + ": registry "
              + t.domain()
              + " stored the blob as "
              + header.trim()
              + "; check that the registry and the source agree on the content");
    }
  }

  /** An {@link ApiException} for an unexpected answer: status, the registry's error, a hint. */
  private static ApiException failure(RegistryTarget t, Response r, String what, String hint) {
    RegistryResponses.ErrorBody error = RegistryResponses.errorBody(r);
    String text = error.text();
    String h = hint != null ? hint : hintFor(t, r.code(), error.code());
    return new ApiException(
        r.code(),
        what
            + " failed: registry "
            + t.domain()
            + " answered HTTP "
            + r.code()
            + (text.isEmpty() ? "" : " " + text)
            + (h == null ? "" : "; " + h));
  }

  private static String hintFor(RegistryTarget t, int status, String code) {
    String c = code == null ? "" : code;
    return switch (c) {
      case "MANIFEST_BLOB_UNKNOWN", "BLOB_UNKNOWN" ->
          "upload the blobs (and manifests) it refers to into " + t.repository() + " first";
      case "MANIFEST_INVALID" -> "check the manifest's JSON and its media type";
      case "DIGEST_INVALID" -> "the content does not match its digest";
      case "SIZE_INVALID" -> "the content's length does not match the size given";
      case "NAME_INVALID" -> "the registry does not accept the repository name " + t.path();
      case "TAG_INVALID" -> "the registry does not accept the tag";
      case "UNSUPPORTED" -> "the registry does not accept pushes (read-only, or a mirror)";
      case "TOOMANYREQUESTS" -> "the registry limits requests: retry later";
      default -> {
        if (status == 405) {
          yield "the registry does not accept pushes (read-only, or a mirror)";
        } else if (status == 429) {
          yield "the registry limits requests: retry later";
        } else if (status >= 500) {
          yield "the registry failed: retry later or check its logs";
        }
        yield null;
      }
    };
  }

  private static void checkBlob(
      ImageReference repository, String digest, long size, RegistryClient.BlobSource source) {
    Objects.requireNonNull(source, "source");
    checkDigest(digest, repository);
    if (size < 0) {
      throw new InvalidArgumentException(
          "negative size " + size + " for blob " + digest + ": give the blob's length in bytes");
    }
  }

  private static void checkDigest(String digest, ImageReference repository) {
    Objects.requireNonNull(repository, "repository");
    if (digest == null
        || !DIGEST.matcher(digest).matches()
        || (digest.startsWith("sha256:") && !SHA256.matcher(digest).matches())) {
      throw new InvalidArgumentException(
          "invalid blob digest '"
              + digest
              + "' for "
              + repository.repository()
              + ": expected sha256:<64 lowercase hex digits>");
    }
  }

  private static String uploadsPath(RegistryTarget t) {
    return "/v2/" + t.path() + "/blobs/uploads/";
  }

  private static String blobPath(RegistryTarget t, String digest) {
    return "/v2/" + t.path() + "/blobs/" + digest;
  }

  /**
   * A blob's bytes streamed from its source (opened anew each time the request is written), checked
   * to be exactly {@code size} bytes; remembers the sha256 of the bytes last written.
   */
  private static final class StreamedBlob extends RequestBody {
    private final RegistryClient.BlobSource source;
    private final long size;
    private final String what;
    private volatile String written;

    StreamedBlob(RegistryClient.BlobSource source, long size, String what) {
      this.source = source;
      this.size = size;
      this.what = what;
    }

    @Override
    public MediaType contentType() {
      return OCTETS;
    }

    @Override
    public long contentLength() {
      return size;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      MessageDigest sha;
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      InputStream in;
      try {
        in = source.open();
      } catch (IOException | RuntimeException e) {
        throw sourceFailure("cannot open the source: " + RegistryResponses.reason(e), e);
      }
      if (in == null) {
        throw sourceFailure("its source opened no stream", null);
      }
      try {
        byte[] buf = new byte[64 * 1024];
        long remaining = size;
        while (remaining > 0) {
          int n = read(in, buf, (int) Math.min(buf.length, remaining));
          if (n < 0) {
            throw sourceFailure(
                "its source ended after "
                    + (size - remaining)
                    + " bytes: give the blob's true size",
                null);
          }
          sha.update(buf, 0, n);
          sink.write(buf, 0, n);
          remaining -= n;
        }
        if (read(in, buf, 1) > 0) {
          throw sourceFailure("its source holds more bytes: give the blob's true size", null);
        }
      } finally {
        try {
          in.close();
        } catch (IOException ignored) {
          // the bytes are read; nothing to lose
        }
      }
      written = "sha256:" + HexFormat.of().formatHex(sha.digest());
    }

    private int read(InputStream in, byte[] buf, int len) throws IOException {
      try {
        return in.read(buf, 0, len);
      } catch (IOException | RuntimeException e) {
        throw sourceFailure("reading its source failed: " + RegistryResponses.reason(e), e);
      }
    }

    private IOException sourceFailure(String why, Throwable cause) {
      return new RegistryEndpoints.BlobSourceException(what + " failed: " + why, cause);
    }
  }
}
