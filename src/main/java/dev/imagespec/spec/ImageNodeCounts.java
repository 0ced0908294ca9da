package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * Per image of an ImageSpec (operator mode): on how many nodes it is converged, failed, pending.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"ready", "failed", "pending"})
public class ImageNodeCounts {
  @JsonPropertyDescription("Nodes where the image is as desired (Present, or Absent).")
  private Integer ready;

  @JsonPropertyDescription("Nodes where the image is Failed or in Conflict.")
  private Integer failed;

  @JsonPropertyDescription("Nodes that have not reported this image in its current state yet.")
  private Integer pending;

  public ImageNodeCounts() {}

  public ImageNodeCounts(int ready, int failed, int pending) {
    this.ready = ready;
    this.failed = failed;
    this.pending = pending;
  }

  public Integer getReady() {
    return ready;
  }

  public void setReady(Integer ready) {
    this.ready = ready;
  }

  public Integer getFailed() {
    return failed;
  }

  public void setFailed(Integer failed) {
    this.failed = failed;
  }

  public Integer getPending() {
    return pending;
  }

  public void setPending(Integer pending) {
    this.pending = pending;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageNodeCounts n
        && Objects.equals(ready, n.ready)
        && Objects.equals(failed, n.failed)
        && Objects.equals(pending, n.pending);
  }

  @Override
  public int hashCode() {
    return Objects.hash(ready, failed, pending);
  }

  @Override
  public String toString() {
    return "ImageNodeCounts{ready=" + ready + ", failed=" + failed + ", pending=" + pending + "}";
  }
}
