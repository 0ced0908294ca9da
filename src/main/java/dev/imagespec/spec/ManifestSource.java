package dev.imagespec.spec;

/**
 * Where a manifest object was read.
 *
 * @param source file path, or {@code <stdin>}
 * @param document 1-based index of the YAML document in that source
 */
public record ManifestSource(String source, int document) {
  @Override
  public String toString() {
    return source + ": document " + document;
  }
}
