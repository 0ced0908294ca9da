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
  "failedNodes",
  "removedExternally",
  "lastRemovedExternally",
  "recentRemovals"
})
public class ImageStatus extends ReferenceStatus {
  /** How many removal times {@link #getRecentRemovals()} keeps. */
  public static final int MAX_RECENT_REMOVALS = 6;

  @JsonPropertyDescription("Present, Absent, Pending, Failed or Conflict.")
  private ImageState state;

  @JsonPropertyDescription("Operator mode: on how many nodes the image is ready, failed, pending.")
  private ImageNodeCounts nodes;

  @JsonPropertyDescription("Operator mode: the first few nodes where the image failed, and why.")
  private List<NodeMessage> failedNodes;

  @JsonPropertyDescription(
      "On an ImageNode: how often this node found the image gone while it was Present, removed by"
          + " something other than imagespec (the kubelet's image GC, docker rmi, crictl rmi).")
  private Integer removedExternally;

  @JsonPropertyDescription("On an ImageNode: when the image was last found removed (RFC 3339).")
  private String lastRemovedExternally;

  @JsonPropertyDescription(
      "On an ImageNode: the removals of the last hour (RFC 3339, at most "
          + MAX_RECENT_REMOVALS
          + "); from three on, re-pulls back off.")
  private List<String> recentRemovals;

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

  public Integer getRemovedExternally() {
    return removedExternally;
  }

  public void setRemovedExternally(Integer removedExternally) {
    this.removedExternally = removedExternally;
  }

  public String getLastRemovedExternally() {
    return lastRemovedExternally;
  }

  public void setLastRemovedExternally(String lastRemovedExternally) {
    this.lastRemovedExternally = lastRemovedExternally;
  }

  public List<String> getRecentRemovals() {
    return recentRemovals;
  }

  public void setRecentRemovals(List<String> recentRemovals) {
    this.recentRemovals = recentRemovals;
  }

  @Override
  public boolean equals(Object o) {
    return sameReference(o)
        && o instanceof ImageStatus s
        && state == s.state
        && Objects.equals(nodes, s.nodes)
        && Objects.equals(failedNodes, s.failedNodes)
        && Objects.equals(removedExternally, s.removedExternally)
        && Objects.equals(lastRemovedExternally, s.lastRemovedExternally)
        && Objects.equals(recentRemovals, s.recentRemovals);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        referenceHash(),
        state,
        nodes,
        failedNodes,
        removedExternally,
        lastRemovedExternally,
        recentRemovals);
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
        + (removedExternally == null ? "" : ", removedExternally=" + removedExternally)
        + (lastRemovedExternally == null ? "" : ", lastRemovedExternally=" + lastRemovedExternally)
        + "}";
  }
}
