package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * Per image of an ImageSpec (operator mode): on how many nodes it is converged, failed, pending.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"ready", "failed", "pending", "waiting"})
public class ImageNodeCounts extends NodeTally {
  @JsonPropertyDescription("Nodes that have not reported this image in its current state yet.")
  private Integer pending;

  @JsonPropertyDescription(
      "Nodes waiting for a rollout permit to pull this image (rollout.maxConcurrentNodes); absent"
          + " when none.")
  private Integer waiting;

  public ImageNodeCounts() {}

  public ImageNodeCounts(int ready, int failed, int pending) {
    super(ready, failed);
    this.pending = pending;
  }

  public ImageNodeCounts(int ready, int failed, int pending, int waiting) {
    this(ready, failed, pending);
    this.waiting = waiting == 0 ? null : waiting;
  }

  public Integer getWaiting() {
    return waiting;
  }

  public void setWaiting(Integer waiting) {
    this.waiting = waiting;
  }

  public Integer getPending() {
    return pending;
  }

  public void setPending(Integer pending) {
    this.pending = pending;
  }

  // the CRD's descriptions of the shared counts, worded for an image

  @Override
  @JsonPropertyDescription("Nodes where the image is as desired (Present, or Absent).")
  public Integer getReady() {
    return super.getReady();
  }

  @Override
  @JsonPropertyDescription("Nodes where the image is Failed or in Conflict.")
  public Integer getFailed() {
    return super.getFailed();
  }

  @Override
  public boolean equals(Object o) {
    return sameTally(o)
        && Objects.equals(pending, ((ImageNodeCounts) o).pending)
        && Objects.equals(waiting, ((ImageNodeCounts) o).waiting);
  }

  @Override
  public int hashCode() {
    return Objects.hash(tallyHash(), pending, waiting);
  }

  @Override
  public String toString() {
    return "ImageNodeCounts{ready="
        + getReady()
        + ", failed="
        + getFailed()
        + ", pending="
        + pending
        + (waiting == null ? "" : ", waiting=" + waiting)
        + "}";
  }
}
