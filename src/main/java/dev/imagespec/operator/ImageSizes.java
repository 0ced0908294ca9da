package dev.imagespec.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.RegistryManifest;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The compressed size of an image as its registry serves it: the config and layer sizes of its
 * manifest; of an index, of the entry for the pull's platform, else the node's. The unpacked image
 * is larger, and layers the node already has are counted too. Sizes are cached by digest and
 * platform.
 */
final class ImageSizes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RegistryClient registry;
  private final String nodePlatform;
  private final Map<String, Long> cache = new ConcurrentHashMap<>();

  ImageSizes(RegistryClient registry) {
    this(registry, nodePlatform());
  }

  ImageSizes(RegistryClient registry, String nodePlatform) {
    this.registry = registry;
    this.nodePlatform = nodePlatform;
  }

  /** {@code linux/<arch>} of this JVM's machine, with Go's architecture names. */
  static String nodePlatform() {
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    return "linux/"
        + switch (arch) {
          case "amd64", "x86_64" -> "amd64";
          case "aarch64", "arm64" -> "arm64";
          case "x86", "i386", "i686" -> "386";
          case "arm" -> "arm";
          default -> arch;
        };
  }

  /**
   * The compressed size of {@code ref} for {@code platform} ({@code os/arch[/variant]}, null: the
   * node's), empty when the registry has no such image or no manifest for the platform.
   *
   * @throws RuntimeException the registry cannot be asked (unreachable, denied)
   */
  OptionalLong compressedSize(ImageReference ref, String platform, AuthConfig auth) {
    String want = platform == null || platform.isBlank() ? nodePlatform : platform;
    String digest = ref.digest().orElse(null);
    if (digest == null) {
      digest = registry.digest(ref.withDefaultTag(), auth).orElse(null);
      if (digest == null) {
        return OptionalLong.empty();
      }
    }
    Long cached = cache.get(digest + " " + want);
    if (cached != null) {
      return OptionalLong.of(cached);
    }
    RegistryManifest top = registry.fetchManifest(ref.withDigest(digest), auth);
    String entry = null;
    Long size = null;
    if (top.isIndex()) {
      entry = entryFor(parse(top), want);
      if (entry == null) {
        return OptionalLong.empty();
      }
      size = cache.get(entry + " " + want);
    }
    if (size == null) {
      RegistryManifest image =
          entry == null ? top : registry.fetchManifest(ref.withDigest(entry), auth);
      long s = manifestSize(parse(image));
      if (s < 0) {
        return OptionalLong.empty();
      }
      size = s;
    }
    cache.put(digest + " " + want, size);
    if (entry != null) {
      cache.put(entry + " " + want, size);
    }
    return OptionalLong.of(size);
  }

  /** Config plus layer sizes of an image manifest; -1 when it is none. */
  static long manifestSize(JsonNode manifest) {
    JsonNode config = manifest.get("config");
    JsonNode layers = manifest.get("layers");
    if (config == null || layers == null || !layers.isArray()) {
      return -1;
    }
    long size = Math.max(0, config.path("size").asLong());
    for (JsonNode layer : layers) {
      size += Math.max(0, layer.path("size").asLong());
    }
    return size;
  }

  /**
   * The digest of the index entry for {@code platform} ({@code os/arch[/variant]}; without a
   * variant, the first entry of that os and arch), null when there is none.
   */
  static String entryFor(JsonNode index, String platform) {
    String[] want = platform.split("/");
    for (JsonNode m : index.path("manifests")) {
      JsonNode p = m.path("platform");
      if (want[0].equals(p.path("os").asText())
          && (want.length < 2 || want[1].equals(p.path("architecture").asText()))
          && (want.length < 3 || want[2].equals(p.path("variant").asText()))
          && m.hasNonNull("digest")) {
        return m.get("digest").asText();
      }
    }
    return null;
  }

  private static JsonNode parse(RegistryManifest m) {
    try {
      return JSON.readTree(m.body());
    } catch (IOException e) {
      throw new IllegalStateException("manifest " + m.digest() + " is no JSON: " + e.getMessage());
    }
  }
}
