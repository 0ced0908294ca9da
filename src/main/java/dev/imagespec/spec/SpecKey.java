package dev.imagespec.spec;

import java.util.Comparator;
import java.util.Objects;

/**
 * Identifies an ImageSpec: {@code namespace/name}. Specs without a namespace are in {@value
 * #DEFAULT_NAMESPACE}.
 */
public record SpecKey(String namespace, String name) implements Comparable<SpecKey> {
  public static final String DEFAULT_NAMESPACE = "default";

  private static final Comparator<SpecKey> ORDER =
      Comparator.comparing(SpecKey::namespace).thenComparing(SpecKey::name);

  public SpecKey {
    namespace = namespace == null || namespace.isEmpty() ? DEFAULT_NAMESPACE : namespace;
    name = Objects.requireNonNullElse(name, "");
  }

  public static SpecKey of(ImageSpec spec) {
    var meta = spec.getMetadata();
    return meta == null
        ? new SpecKey(null, null)
        : new SpecKey(meta.getNamespace(), meta.getName());
  }

  /** Parses {@code namespace/name} or {@code name} (namespace {@code default}). */
  public static SpecKey parse(String text) {
    int slash = text.indexOf('/');
    return slash < 0
        ? new SpecKey(null, text)
        : new SpecKey(text.substring(0, slash), text.substring(slash + 1));
  }

  @Override
  public int compareTo(SpecKey o) {
    return ORDER.compare(this, o);
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
