package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** The most recent prune on a node: which spec's schedule ran it, and what it did. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"spec", "time", "imagesDeleted", "spaceReclaimed", "message"})
public class NodePrune extends PruneOutcome {
  @JsonPropertyDescription("namespace/name of the ImageSpec whose prune ran.")
  private String spec;

  @JsonPropertyDescription("When it ran (RFC 3339).")
  private String time;

  public NodePrune() {}

  public NodePrune(
      String spec, String time, Integer imagesDeleted, Long spaceReclaimed, String message) {
    super(imagesDeleted, spaceReclaimed, message);
    this.spec = spec;
    this.time = time;
  }

  /** The prune of spec {@code key} that {@code run} describes (its last run). */
  public static NodePrune of(SpecKey key, PruneStatus run) {
    return new NodePrune(
        key.toString(),
        run.getLastRun(),
        run.getImagesDeleted(),
        run.getSpaceReclaimed(),
        run.getMessage());
  }

  public String getSpec() {
    return spec;
  }

  public void setSpec(String spec) {
    this.spec = spec;
  }

  public String getTime() {
    return time;
  }

  public void setTime(String time) {
    this.time = time;
  }

  // the CRD's descriptions of the shared fields, worded for a node

  @Override
  @JsonPropertyDescription("Images deleted.")
  public Integer getImagesDeleted() {
    return super.getImagesDeleted();
  }

  @Override
  @JsonPropertyDescription("Bytes reclaimed.")
  public Long getSpaceReclaimed() {
    return super.getSpaceReclaimed();
  }

  @Override
  @JsonPropertyDescription("Outcome.")
  public String getMessage() {
    return super.getMessage();
  }

  @Override
  public boolean equals(Object o) {
    return sameOutcome(o)
        && Objects.equals(spec, ((NodePrune) o).spec)
        && Objects.equals(time, ((NodePrune) o).time);
  }

  @Override
  public int hashCode() {
    return Objects.hash(spec, time, outcomeHash());
  }

  @Override
  public String toString() {
    return "NodePrune{spec=" + spec + ", time=" + time + ", message=" + getMessage() + "}";
  }
}
