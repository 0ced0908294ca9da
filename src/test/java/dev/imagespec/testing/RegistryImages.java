package dev.imagespec.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.RegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Generated images (random, incompressible layers) pushed into the test registries with {@link
 * RegistryClient}, and deleted again on {@link #close}: what they pushed, and what tests register
 * as copied elsewhere.
 */
public final class RegistryImages implements AutoCloseable {
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RegistryClient client;
  private final OkHttpClient http =
      new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(30)).build();

  /** What to delete: repository, credentials, manifests, blobs. */
  private final List<Created> created = new ArrayList<>();

  private record Created(
      ImageReference repo, AuthConfig auth, List<String> manifests, List<String> blobs) {}

  public RegistryImages(RegistryClient client) {
    this.client = client;
  }

  /** A pushed image or index. */
  public record Pushed(
      ImageReference ref,
      String digest,
      String mediaType,
      List<String> manifests,
      List<String> blobs,
      long bytes) {}

  /** {@code size} pseudo-random bytes from {@code seed}, generated as they are read. */
  public static RegistryClient.BlobSource random(long seed, long size) {
    return () ->
        new InputStream() {
          private final SplittableRandom random = new SplittableRandom(seed);
          private long left = size;

          @Override
          public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] b, int off, int len) {
            if (left == 0) {
              return -1;
            }
            int n = (int) Math.min(len, left);
            int i = 0;
            for (; i + 8 <= n; i += 8) {
              long v = random.nextLong();
              for (int k = 0; k < 8; k++) {
                b[off + i + k] = (byte) (v >>> (k * 8));
              }
            }
            for (; i < n; i++) {
              b[off + i] = (byte) random.nextInt();
            }
            left -= n;
            return n;
          }
        };
  }

  public static String digestOf(RegistryClient.BlobSource source) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      try (InputStream in = source.open()) {
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
          sha.update(buf, 0, n);
        }
      }
      return "sha256:" + HexFormat.of().formatHex(sha.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Pushes a single-platform OCI image to {@code ref} (under its tag; by digest when it has none):
   * one random layer per size (seeds from {@code seed}), a config for {@code linux/arch}.
   */
  public Pushed pushImage(
      ImageReference ref, AuthConfig auth, long seed, String arch, long... layerSizes) {
    return pushImage(ref, auth, seed, arch, List.of(), layerSizes);
  }

  /**
   * {@link #pushImage(ImageReference, AuthConfig, long, String, long...)} with extra layer
   * descriptors (e.g. foreign layers) that are not uploaded.
   */
  public Pushed pushImage(
      ImageReference ref,
      AuthConfig auth,
      long seed,
      String arch,
      List<ObjectNode> extra,
      long... layerSizes) {
    Created c = record(ref, auth);
    List<String> blobs = new ArrayList<>();
    ArrayNode layers = JSON.createArrayNode();
    ArrayNode diffIds = JSON.createArrayNode();
    long bytes = 0;
    for (int i = 0; i < layerSizes.length; i++) {
      RegistryClient.BlobSource layer = random(seed * 1000 + i, layerSizes[i]);
      String digest = digestOf(layer);
      c.blobs.add(digest);
      client.uploadBlob(ref, digest, layerSizes[i], layer, auth);
      blobs.add(digest);
      layers.add(descriptor(OCI_LAYER, digest, layerSizes[i]));
      diffIds.add(digest);
      bytes += layerSizes[i];
    }
    extra.forEach(layers::add);
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", arch);
    config.put("os", "linux");
    config.putObject("config").putArray("Cmd").add("/bin/true");
    config.put("created", "2026-01-01T00:00:00Z");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.set("diff_ids", diffIds);
    byte[] configBytes = json(config);
    String configDigest = client.uploadBlob(ref, configBytes, auth);
    c.blobs.add(configDigest);
    blobs.add(0, configDigest);
    bytes += configBytes.length;
    ObjectNode m = JSON.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", RegistryClient.OCI_MANIFEST);
    m.set("config", descriptor(OCI_CONFIG, configDigest, configBytes.length));
    m.set("layers", layers);
    byte[] manifest = json(m);
    ImageReference put = ref.tag().isPresent() ? ref : ref.withDigest(sha256(manifest));
    String digest = client.putManifest(put, RegistryClient.OCI_MANIFEST, manifest, auth);
    c.manifests.add(digest);
    return new Pushed(ref, digest, RegistryClient.OCI_MANIFEST, List.of(digest), blobs, bytes);
  }

  /**
   * Pushes one image per arch (by digest, one random layer of {@code layerSize} each) and an OCI
   * index of them under {@code ref}'s tag.
   */
  public Pushed pushIndex(
      ImageReference ref, AuthConfig auth, long seed, long layerSize, String... arches) {
    ArrayNode entries = JSON.createArrayNode();
    List<String> manifests = new ArrayList<>();
    List<String> blobs = new ArrayList<>();
    long bytes = 0;
    for (int i = 0; i < arches.length; i++) {
      Pushed p = pushImage(ref.withoutTagAndDigest(), auth, seed + i, arches[i], layerSize);
      manifests.add(p.digest());
      blobs.addAll(p.blobs());
      bytes += p.bytes();
      ObjectNode e =
          descriptor(RegistryClient.OCI_MANIFEST, p.digest(), manifestSize(ref, p.digest(), auth));
      ObjectNode platform = e.putObject("platform");
      platform.put("architecture", arches[i]);
      platform.put("os", "linux");
      entries.add(e);
    }
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", RegistryClient.OCI_INDEX);
    index.set("manifests", entries);
    String digest = client.putManifest(ref, RegistryClient.OCI_INDEX, json(index), auth);
    record(ref, auth).manifests.add(digest);
    manifests.add(0, digest);
    return new Pushed(ref, digest, RegistryClient.OCI_INDEX, manifests, blobs, bytes);
  }

  /** Records that {@code pushed} (its manifests and blobs) was copied into {@code repo}. */
  public void copiedTo(Pushed pushed, ImageReference repo, AuthConfig auth) {
    Created c = record(repo, auth);
    c.manifests.addAll(pushed.manifests());
    c.blobs.addAll(pushed.blobs());
  }

  /** Deletes what was pushed or recorded (manifests, then blobs); absent ones are fine. */
  @Override
  public void close() {
    for (boolean blobs : new boolean[] {false, true}) {
      for (Created c : created) {
        Set<String> digests = new LinkedHashSet<>(blobs ? c.blobs : c.manifests);
        for (String d : digests) {
          String url =
              "http://"
                  + c.repo.domain()
                  + "/v2/"
                  + c.repo.path()
                  + (blobs ? "/blobs/" : "/manifests/")
                  + d;
          Request.Builder rb = new Request.Builder().url(url).delete();
          if (c.auth != null) {
            rb.header(
                "Authorization",
                Credentials.basic(c.auth.username(), c.auth.password(), StandardCharsets.UTF_8));
          }
          try (Response r = http.newCall(rb.build()).execute()) {
            if (r.code() != 202 && r.code() != 404) {
              throw new IllegalStateException("DELETE " + url + ": HTTP " + r.code());
            }
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
    }
    created.clear();
  }

  private Created record(ImageReference ref, AuthConfig auth) {
    ImageReference repo = ref.withoutTagAndDigest();
    for (Created c : created) {
      if (c.repo.equals(repo)) {
        return c;
      }
    }
    Created c = new Created(repo, auth, new ArrayList<>(), new ArrayList<>());
    created.add(c);
    return c;
  }

  private long manifestSize(ImageReference ref, String digest, AuthConfig auth) {
    return client.fetchManifest(ref.withoutTagAndDigest().withDigest(digest), auth).body().length;
  }

  private static String sha256(byte[] bytes) {
    return digestOf(() -> new java.io.ByteArrayInputStream(bytes));
  }

  private static ObjectNode descriptor(String mediaType, String digest, long size) {
    ObjectNode d = JSON.createObjectNode();
    d.put("mediaType", mediaType);
    d.put("digest", digest);
    d.put("size", size);
    return d;
  }

  private static byte[] json(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
