package dev.imagespec.engine;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** Result of a build-cache prune: {@code CachesDeleted} and {@code SpaceReclaimed}. */
public record BuildPruneReport(
    @JsonProperty("CachesDeleted") List<String> cachesDeleted,
    @JsonProperty("SpaceReclaimed") long spaceReclaimed) {
  public BuildPruneReport {
    cachesDeleted = List.copyOf(cachesDeleted);
  }
}
