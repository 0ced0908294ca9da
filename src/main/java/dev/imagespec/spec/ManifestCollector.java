package dev.imagespec.spec;

import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link ManifestLoader} run has read so far: the valid ImageSpecs and Secrets (each name at
 * most once per namespace), where each was read, notes and errors.
 */
final class ManifestCollector {
  private final List<ImageSpec> specs = new ArrayList<>();
  private final List<Secret> secrets = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private final List<ManifestProblem> errors = new ArrayList<>();
  private final Map<Object, ManifestSource> sources = new IdentityHashMap<>();
  private final Map<SpecKey, ManifestSource> specKeys = new HashMap<>();
  private final Map<String, ManifestSource> secretKeys = new HashMap<>();

  /**
   * A problem of a whole source (document 0) or of one of its documents. Values from the input are
   * shown on one line, escaped and shortened ({@link ManifestLimits#shown}).
   */
  void error(String source, int document, String object, String field, String message) {
    errors.add(
        new ManifestProblem(
            source,
            document,
            ManifestLimits.shown(object),
            ManifestLimits.shown(field),
            ManifestLimits.shown(message)));
  }

  /** Every violation found in {@code object}, read at {@code at}. */
  void errors(ManifestSource at, String object, List<Violation> violations) {
    violations.forEach(v -> error(at.source(), at.document(), object, v.field(), v.message()));
  }

  void warning(String note) {
    warnings.add(ManifestLimits.shown(note));
  }

  /** Keeps a valid spec, unless another one with its namespace and name was read before. */
  void addSpec(ImageSpec spec, ManifestSource at, String object) {
    if (first(specKeys, SpecKey.of(spec), ImageSpec.KIND, at, object)) {
      specs.add(spec);
      sources.put(spec, at);
    }
  }

  /** Keeps a valid Secret, unless another one with its namespace and name was read before. */
  void addSecret(Secret secret, ManifestSource at, String object) {
    String key = secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName();
    if (first(secretKeys, key, "Secret", at, object)) {
      secrets.add(secret);
      sources.put(secret, at);
    }
  }

  private <K> boolean first(
      Map<K, ManifestSource> seen, K key, String kind, ManifestSource at, String object) {
    ManifestSource first = seen.putIfAbsent(key, at);
    if (first != null) {
      error(
          at.source(),
          at.document(),
          object,
          "metadata.name",
          "duplicate " + kind + " " + key + " (also defined in " + first + ")");
    }
    return first == null;
  }

  Manifests finish() {
    return new Manifests(specs, secrets, warnings, errors, sources);
  }
}
