package dev.imagespec.engine.cri;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An image in a CRI runtime's store (containerd: namespace {@code k8s.io}).
 *
 * @param id image ID, the config digest ({@code sha256:...})
 * @param repoTags names that are tags ({@code registry/repo:tag}, fully qualified as the runtime
 *     keeps them)
 * @param repoDigests names that are digests ({@code registry/repo@sha256:...})
 * @param size bytes, as the runtime reports them
 * @param labels the image's labels (its config's {@code Labels}, what {@code LABEL} sets and Docker
 *     shows; empty when the runtime cannot tell)
 * @param created creation time from the image config ({@code created}, as Docker shows it), null
 *     when unknown
 * @param pinned the runtime will not garbage-collect it (CRI {@code pinned}; false when unknown)
 */
public record CriImage(
    String id,
    List<String> repoTags,
    List<String> repoDigests,
    long size,
    Map<String, String> labels,
    Instant created,
    boolean pinned) {
  public CriImage {
    repoTags = repoTags == null ? List.of() : List.copyOf(repoTags);
    repoDigests = repoDigests == null ? List.of() : List.copyOf(repoDigests);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
