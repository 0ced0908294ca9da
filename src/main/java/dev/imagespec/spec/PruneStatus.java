package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** The last and next prune run of a spec. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"lastRun", "nextRun", "imagesDeleted", "spaceReclaimed", "message"})
public class PruneStatus extends PruneOutcome {
  @JsonPropertyDescription("When the last prune ran (RFC 3339).")
  private String lastRun;

  @JsonPropertyDescription("When the next scheduled prune is due (RFC 3339).")
  private String nextRun;

  public PruneStatus() {}

  public PruneStatus(
      String lastRun, String nextRun, Integer imagesDeleted, Long spaceReclaimed, String message) {
    super(imagesDeleted, spaceReclaimed, message);
    this.lastRun = lastRun;
    this.nextRun = nextRun;
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

  @Override
  public boolean equals(Object o) {
    return sameOutcome(o)
        && Objects.equals(lastRun, ((PruneStatus) o).lastRun)
        && Objects.equals(nextRun, ((PruneStatus) o).nextRun);
  }

  @Override
  public int hashCode() {
    return Objects.hash(lastRun, nextRun, outcomeHash());
  }

  @Override
  public String toString() {
    return "PruneStatus{lastRun="
        + lastRun
        + ", nextRun="
        + nextRun
        + ", imagesDeleted="
        + getImagesDeleted()
        + ", spaceReclaimed="
        + getSpaceReclaimed()
        + ", message="
        + getMessage()
        + "}";
  }
}
