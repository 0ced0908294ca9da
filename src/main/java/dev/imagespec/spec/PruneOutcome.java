package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * What a prune run did: the fields {@link PruneStatus} (a spec's prune) and {@link NodePrune} (a
 * node's most recent prune) share. Descriptions are a spec's; {@link NodePrune} words its own on
 * its getters.
 */
public abstract class PruneOutcome {
  @JsonPropertyDescription("Images deleted by the last run.")
  private Integer imagesDeleted;

  @JsonPropertyDescription("Bytes reclaimed by the last run (sum of the deleted images' sizes).")
  private Long spaceReclaimed;

  @JsonPropertyDescription("Outcome of the last run.")
  private String message;

  protected PruneOutcome() {}

  protected PruneOutcome(Integer imagesDeleted, Long spaceReclaimed, String message) {
    this.imagesDeleted = imagesDeleted;
    this.spaceReclaimed = spaceReclaimed;
    this.message = message;
  }

  public Integer getImagesDeleted() {
    return imagesDeleted;
  }

  public void setImagesDeleted(Integer imagesDeleted) {
    this.imagesDeleted = imagesDeleted;
  }

  public Long getSpaceReclaimed() {
    return spaceReclaimed;
  }

  public void setSpaceReclaimed(Long spaceReclaimed) {
    this.spaceReclaimed = spaceReclaimed;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  /** Same class and same outcome fields (subclasses add theirs). */
  protected boolean sameOutcome(Object o) {
    return o != null
        && o.getClass() == getClass()
        && Objects.equals(imagesDeleted, ((PruneOutcome) o).imagesDeleted)
        && Objects.equals(spaceReclaimed, ((PruneOutcome) o).spaceReclaimed)
        && Objects.equals(message, ((PruneOutcome) o).message);
  }

  protected int outcomeHash() {
    return Objects.hash(imagesDeleted, spaceReclaimed, message);
  }
}
