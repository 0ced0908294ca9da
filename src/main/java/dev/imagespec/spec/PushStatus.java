package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** Observed state of one push target. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"image", "to", "state", "digest", "id", "message", "lastChecked"})
public class PushStatus extends ReferenceStatus {
  @JsonPropertyDescription("The target reference as written in the spec.")
  private String to;

  @JsonPropertyDescription("Pushed, Pending, Failed or Conflict.")
  private PushState state;

  public PushStatus() {}

  public PushStatus(
      String image,
      String to,
      PushState state,
      String digest,
      String id,
      String message,
      String lastChecked) {
    super(image, id, digest, message, lastChecked);
    this.to = to;
    this.state = state;
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

  // the CRD's descriptions of the shared fields, worded for a push

  @Override
  @JsonPropertyDescription("The source image as written in the spec.")
  public String getImage() {
    return super.getImage();
  }

  @Override
  @JsonPropertyDescription("ID of the local image that was pushed.")
  public String getId() {
    return super.getId();
  }

  @Override
  @JsonPropertyDescription("Digest the target registry holds (the pushed digest).")
  public String getDigest() {
    return super.getDigest();
  }

  @Override
  @JsonPropertyDescription("Why the push is not converged, or what was done.")
  public String getMessage() {
    return super.getMessage();
  }

  @Override
  @JsonPropertyDescription("When the target registry was last checked or pushed to (RFC 3339).")
  public String getLastChecked() {
    return super.getLastChecked();
  }

  @Override
  public boolean equals(Object o) {
    return sameReference(o)
        && o instanceof PushStatus s
        && Objects.equals(to, s.to)
        && state == s.state;
  }

  @Override
  public int hashCode() {
    return Objects.hash(referenceHash(), to, state);
  }

  @Override
  public String toString() {
    return "PushStatus{image="
        + getImage()
        + ", to="
        + to
        + ", state="
        + state
        + ", digest="
        + getDigest()
        + ", id="
        + getId()
        + ", message="
        + getMessage()
        + ", lastChecked="
        + getLastChecked()
        + "}";
  }
}
