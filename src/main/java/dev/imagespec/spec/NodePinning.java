package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * Whether this node's runtime keeps the images of specs that ask for {@code pin} from the kubelet's
 * image GC: {@code Labeled} (containerd: label {@code io.cri-containerd.pinned=pinned}), {@code
 * Unsupported} (Docker, Podman, CRI-O) or {@code Failed}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"state", "images", "message"})
public class NodePinning {
  public static final String LABELED = "Labeled";
  public static final String UNSUPPORTED = "Unsupported";
  public static final String FAILED = "Failed";

  @JsonPropertyDescription("Labeled, Unsupported or Failed.")
  private String state;

  @JsonPropertyDescription("How many image names carry the pinned label on this node.")
  private Integer images;

  @JsonPropertyDescription("What the runtime does with it, or why it cannot pin.")
  private String message;

  public NodePinning() {}

  public NodePinning(String state, Integer images, String message) {
    this.state = state;
    this.images = images;
    this.message = message;
  }

  public String getState() {
    return state;
  }

  public void setState(String state) {
    this.state = state;
  }

  public Integer getImages() {
    return images;
  }

  public void setImages(Integer images) {
    this.images = images;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodePinning p
        && Objects.equals(state, p.state)
        && Objects.equals(images, p.images)
        && Objects.equals(message, p.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(state, images, message);
  }

  @Override
  public String toString() {
    return "NodePinning{" + state + ", images=" + images + ", " + message + "}";
  }
}
