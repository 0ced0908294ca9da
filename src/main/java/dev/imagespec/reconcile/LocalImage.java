package dev.imagespec.reconcile;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An image as the store lists it.
 *
 * @param id full image ID ({@code sha256:...})
 * @param repoTags references as the engine reports them (familiar or fully qualified form)
 * @param repoDigests {@code repo@sha256:...} entries as the engine reports them
 * @param labels image labels, never null
 * @param created creation time, null when unknown
 * @param size bytes
 */
public record LocalImage(
    String id,
    List<String> repoTags,
    List<String> repoDigests,
    Map<String, String> labels,
    Instant created,
    long size) {
  public LocalImage {
    repoTags = repoTags == null ? List.of() : List.copyOf(repoTags);
    repoDigests = repoDigests == null ? List.of() : List.copyOf(repoDigests);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
