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
public class ImageStatus {
  @JsonPropertyDescription("The image as written in the spec.")
  private String image;

  @JsonPropertyDescription("Present, Absent, Pending, Failed or Conflict.")
  private ImageState state;

  @JsonPropertyDescription("Local image ID.")
  private String id;

  @JsonPropertyDescription("Repository digest of the local image.")
  private String digest;

  @JsonPropertyDescription("Why the image is not converged, or what was done.")
  private String message;

  @JsonPropertyDescription("When the registry was last asked for the tag's digest (RFC 3339).")
  private String lastChecked;

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
    this.image = image;
    this.state = state;
    this.id = id;
    this.digest = digest;
    this.message = message;
    this.lastChecked = lastChecked;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public ImageState getState() {
    return state;
  }

  public void setState(ImageState state) {
    this.state = state;
  }

  public String getId() {
    return id;
  }

  public void setId(String id) {
    this.id = id;
  }

  public String getDigest() {
    return digest;
  }

  public void setDigest(String digest) {
    this.digest = digest;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getLastChecked() {
    return lastChecked;
  }

  public void setLastChecked(String lastChecked) {
    this.lastChecked = lastChecked;
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
    return o instanceof ImageStatus s
        && Objects.equals(image, s.image)
        && state == s.state
        && Objects.equals(id, s.id)
        && Objects.equals(digest, s.digest)
        && Objects.equals(message, s.message)
        && Objects.equals(lastChecked, s.lastChecked)
        && Objects.equals(nodes, s.nodes)
        && Objects.equals(failedNodes, s.failedNodes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(image, state, id, digest, message, lastChecked, nodes, failedNodes);
  }

  @Override
  public String toString() {
    return "ImageStatus{image="
        + image
        + ", state="
        + state
        + ", id="
        + id
        + ", digest="
        + digest
        + ", message="
        + message
        + ", lastChecked="
        + lastChecked
        + (nodes == null ? "" : ", nodes=" + nodes)
        + (failedNodes == null ? "" : ", failedNodes=" + failedNodes)
        + "}";
  }
}
