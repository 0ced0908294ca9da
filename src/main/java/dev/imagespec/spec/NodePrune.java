package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** The most recent prune on a node: which spec's schedule ran it, and what it did. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"spec", "time", "imagesDeleted", "spaceReclaimed", "message"})
public class NodePrune {
  @JsonPropertyDescription("namespace/name of the ImageSpec whose prune ran.")
  private String spec;

  @JsonPropertyDescription("When it ran (RFC 3339).")
  private String time;

  @JsonPropertyDescription("Images deleted.")
  private Integer imagesDeleted;

  @JsonPropertyDescription("Bytes reclaimed.")
  private Long spaceReclaimed;

  @JsonPropertyDescription("Outcome.")
  private String message;

  public NodePrune() {}

  public NodePrune(
      String spec, String time, Integer imagesDeleted, Long spaceReclaimed, String message) {
    this.spec = spec;
    this.time = time;
    this.imagesDeleted = imagesDeleted;
    this.spaceReclaimed = spaceReclaimed;
    this.message = message;
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
    return o instanceof NodePrune p
        && Objects.equals(spec, p.spec)
        && Objects.equals(time, p.time)
        && Objects.equals(imagesDeleted, p.imagesDeleted)
        && Objects.equals(spaceReclaimed, p.spaceReclaimed)
        && Objects.equals(message, p.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(spec, time, imagesDeleted, spaceReclaimed, message);
  }

  @Override
  public String toString() {
    return "NodePrune{spec=" + spec + ", time=" + time + ", message=" + message + "}";
  }
}
