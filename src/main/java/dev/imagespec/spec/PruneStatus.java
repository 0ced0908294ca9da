package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** The last and next prune run of a spec. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"lastRun", "nextRun", "imagesDeleted", "spaceReclaimed", "message"})
public class PruneStatus {
  @JsonPropertyDescription("When the last prune ran (RFC 3339).")
  private String lastRun;

  @JsonPropertyDescription("When the next scheduled prune is due (RFC 3339).")
  private String nextRun;

  @JsonPropertyDescription("Images deleted by the last run.")
  private Integer imagesDeleted;

  @JsonPropertyDescription("Bytes reclaimed by the last run (sum of the deleted images' sizes).")
  private Long spaceReclaimed;

  @JsonPropertyDescription("Outcome of the last run.")
  private String message;

  public PruneStatus() {}

  public PruneStatus(
      String lastRun, String nextRun, Integer imagesDeleted, Long spaceReclaimed, String message) {
    this.lastRun = lastRun;
    this.nextRun = nextRun;
    this.imagesDeleted = imagesDeleted;
    this.spaceReclaimed = spaceReclaimed;
    this.message = message;
  }

  public String getLastRun() {
    return lastRun;
  }

  public void setLastRun(String lastRun) {
    this.lastRun = lastRun;
  }

  public String getNextRun() {
    return nextRun;
  }

  public void setNextRun(String nextRun) {
    this.nextRun = nextRun;
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

  @Override
  public boolean equals(Object o) {
    return o instanceof PruneStatus s
        && Objects.equals(lastRun, s.lastRun)
        && Objects.equals(nextRun, s.nextRun)
        && Objects.equals(imagesDeleted, s.imagesDeleted)
        && Objects.equals(spaceReclaimed, s.spaceReclaimed)
        && Objects.equals(message, s.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(lastRun, nextRun, imagesDeleted, spaceReclaimed, message);
  }

  @Override
  public String toString() {
    return "PruneStatus{lastRun="
        + lastRun
        + ", nextRun="
        + nextRun
        + ", imagesDeleted="
        + imagesDeleted
        + ", spaceReclaimed="
        + spaceReclaimed
        + ", message="
        + message
        + "}";
  }
}
