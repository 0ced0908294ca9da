package dev.imagespec.engine;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Result of an image prune: {@code ImagesDeleted} (each item an untagged reference or a deleted
 * image ID) and {@code SpaceReclaimed} in bytes.
 */
public record PruneReport(
    @JsonProperty("ImagesDeleted") List<DeletedItem> imagesDeleted,
    @JsonProperty("SpaceReclaimed") long spaceReclaimed) {
  public PruneReport {
    imagesDeleted = List.copyOf(imagesDeleted);
  }

  /** One entry: exactly one of {@code untagged} or {@code deleted} is set. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record DeletedItem(
      @JsonProperty("Untagged") String untagged, @JsonProperty("Deleted") String deleted) {}
}
