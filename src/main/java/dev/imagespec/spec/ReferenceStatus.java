package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * What the status says about one reference of a spec: the image as written, the local image ID, the
 * digest, why (or what was done) and when the registry was last asked. Shared by {@link
 * ImageStatus} and {@link PushStatus}; the descriptions here are an image's, {@link PushStatus}
 * words its own on its getters.
 */
public abstract class ReferenceStatus {
  @JsonPropertyDescription("The image as written in the spec.")
  private String image;

  @JsonPropertyDescription("Local image ID.")
  private String id;

  @JsonPropertyDescription("Repository digest of the local image.")
  private String digest;

  @JsonPropertyDescription("Why the image is not converged, or what was done.")
  private String message;

  @JsonPropertyDescription("When the registry was last asked for the tag's digest (RFC 3339).")
  private String lastChecked;

  protected ReferenceStatus() {}

  protected ReferenceStatus(
      String image, String id, String digest, String message, String lastChecked) {
    this.image = image;
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

  /** Same class and same shared fields (subclasses compare their own fields too). */
  protected boolean sameReference(Object o) {
    if (o == null || o.getClass() != getClass()) {
      return false;
    }
    ReferenceStatus r = (ReferenceStatus) o;
    return Objects.equals(image, r.image)
        && Objects.equals(id, r.id)
        && Objects.equals(digest, r.digest)
        && Objects.equals(message, r.message)
        && Objects.equals(lastChecked, r.lastChecked);
  }

  protected int referenceHash() {
    return Objects.hash(image, id, digest, message, lastChecked);
  }
}
