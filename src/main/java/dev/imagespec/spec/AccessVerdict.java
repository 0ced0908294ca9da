package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * Operator mode: whether this spec's credentials can read an image at a digest that another spec's
 * credentials brought onto nodes, checked once for the cluster by the aggregator (a manifest HEAD)
 * and read by every agent instead of asking the registry itself.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"image", "result", "secret", "secretVersion", "lastChecked"})
public class AccessVerdict {
  /** What the registry answered. */
  public enum Result {
    /** The registry serves the digest to these credentials. */
    Granted,
    /** The registry refused these credentials (401/403). */
    Denied,
    /** The registry does not serve the digest to these credentials (404). */
    NotFound
  }

  @JsonPropertyDescription("The image checked, repository@digest.")
  private String image;

  @JsonPropertyDescription("Granted, Denied or NotFound.")
  private Result result;

  @JsonPropertyDescription(
      "The spec's pull Secret whose credentials were checked; absent: anonymous access.")
  private String secret;

  @JsonPropertyDescription(
      "That Secret's resourceVersion when checked (a rotated Secret is checked again).")
  private String secretVersion;

  @JsonPropertyDescription("When the registry was asked (RFC 3339).")
  private String lastChecked;

  public AccessVerdict() {}

  public AccessVerdict(
      String image, Result result, String secret, String secretVersion, String lastChecked) {
    this.image = image;
    this.result = result;
    this.secret = secret;
    this.secretVersion = secretVersion;
    this.lastChecked = lastChecked;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public Result getResult() {
    return result;
  }

  public void setResult(Result result) {
    this.result = result;
  }

  public String getSecret() {
    return secret;
  }

  public void setSecret(String secret) {
    this.secret = secret;
  }

  public String getSecretVersion() {
    return secretVersion;
  }

  public void setSecretVersion(String secretVersion) {
    this.secretVersion = secretVersion;
  }

  public String getLastChecked() {
    return lastChecked;
  }

  public void setLastChecked(String lastChecked) {
    this.lastChecked = lastChecked;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AccessVerdict v
        && Objects.equals(image, v.image)
        && result == v.result
        && Objects.equals(secret, v.secret)
        && Objects.equals(secretVersion, v.secretVersion)
        && Objects.equals(lastChecked, v.lastChecked);
  }

  @Override
  public int hashCode() {
    return Objects.hash(image, result, secret, secretVersion, lastChecked);
  }

  @Override
  public String toString() {
    return "AccessVerdict{"
        + image
        + " "
        + result
        + (secret == null ? " anonymous" : " secret " + secret)
        + " at "
        + lastChecked
        + "}";
  }
}
