package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;

/** Observed state of one {@code spec.images} entry. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "image",
  "state",
  "id",
  "digest",
  "message",
  "lastChecked",
  "nodes",
  "failedNodes"
})
public class ImageStatus extends ReferenceStatus {
  @JsonPropertyDescription("Present, Absent, Pending, Failed or Conflict.")
  private ImageState state;

  @JsonPropertyDescription("Operator mode: on how many nodes the image is ready, failed, pending.")
  private ImageNodeCounts nodes;

  @JsonPropertyDescription("Operator mode: the first few nodes where the image failed, and why.")
  private List<NodeMessage> failedNodes;

  public ImageStatus() {}

  public ImageStatus(
      String image,
      ImageState state,
      String id,
      String digest,
      String message,
      String lastChecked) {
    super(image, id, digest, message, lastChecked);
    this.state = state;
  }

  public ImageState getState() {
    return state;
  }

  public void setState(ImageState state) {
    this.state = state;
  }

  public ImageNodeCounts getNodes() {
    return nodes;
  }

  public void setNodes(ImageNodeCounts nodes) {
    this.nodes = nodes;
  }

  public List<NodeMessage> getFailedNodes() {
    return failedNodes;
  }

  public void setFailedNodes(List<NodeMessage> failedNodes) {
    this.failedNodes = failedNodes;
  }

  @Override
  public boolean equals(Object o) {
    return sameReference(o)
        && o instanceof ImageStatus s
        && state == s.state
        && Objects.equals(nodes, s.nodes)
        && Objects.equals(failedNodes, s.failedNodes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(referenceHash(), state, nodes, failedNodes);
  }

  @Override
  public String toString() {
    return "ImageStatus{image="
        + getImage()
        + ", state="
        + state
        + ", id="
        + getId()
        + ", digest="
        + getDigest()
        + ", message="
        + getMessage()
        + ", lastChecked="
        + getLastChecked()
        + (nodes == null ? "" : ", nodes=" + nodes)
        + (failedNodes == null ? "" : ", failedNodes=" + failedNodes)
        + "}";
  }
}
