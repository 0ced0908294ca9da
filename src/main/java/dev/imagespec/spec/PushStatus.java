package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** Observed state of one push target. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"image", "to", "state", "digest", "id", "message", "lastChecked"})
public class PushStatus {
  @JsonPropertyDescription("The source image as written in the spec.")
  private String image;

  @JsonPropertyDescription("The target reference as written in the spec.")
  private String to;

  @JsonPropertyDescription("Pushed, Pending, Failed or Conflict.")
  private PushState state;

  @JsonPropertyDescription("Digest the target registry holds (the pushed digest).")
  private String digest;

  @JsonPropertyDescription("ID of the local image that was pushed.")
  private String id;

  @JsonPropertyDescription("Why the push is not converged, or what was done.")
  private String message;

  @JsonPropertyDescription("When the target registry was last checked or pushed to (RFC 3339).")
  private String lastChecked;

  public PushStatus() {}

  public PushStatus(
      String image,
      String to,
      PushState state,
      String digest,
      String id,
      String message,
      String lastChecked) {
    this.image = image;
    this.to = to;
    this.state = state;
    this.digest = digest;
    this.id = id;
    this.message = message;
    this.lastChecked = lastChecked;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public String getTo() {
    return to;
  }

  public void setTo(String to) {
    this.to = to;
  }

  public PushState getState() {
    return state;
  }

  public void setState(PushState state) {
    this.state = state;
  }

  public String getDigest() {
    return digest;
  }

  public void setDigest(String digest) {
    this.digest = digest;
  }

  public String getId() {
    return id;
  }

  public void setId(String id) {
    this.id = id;
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

  @Override
  public boolean equals(Object o) {
    return o instanceof PushStatus s
        && Objects.equals(image, s.image)
        && Objects.equals(to, s.to)
        && state == s.state
        && Objects.equals(digest, s.digest)
        && Objects.equals(id, s.id)
        && Objects.equals(message, s.message)
        && Objects.equals(lastChecked, s.lastChecked);
  }

  @Override
  public int hashCode() {
    return Objects.hash(image, to, state, digest, id, message, lastChecked);
  }

  @Override
  public String toString() {
    return "PushStatus{image="
        + image
        + ", to="
        + to
        + ", state="
        + state
        + ", digest="
        + digest
        + ", id="
        + id
        + ", message="
        + message
        + ", lastChecked="
        + lastChecked
        + "}";
  }
}
