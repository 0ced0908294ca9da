package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The desired state of an {@link ImageSpec}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "images",
  "pullPolicy",
  "pullSecrets",
  "refreshInterval",
  "prune",
  "deletionPolicy",
  "nodeSelector"
})
public class ImageSpecSpec {
  /** Maximum number of entries in {@code spec.images}. */
  public static final int MAX_IMAGES = 500;

  /** Used when neither the spec nor the caller sets a refresh interval. */
  public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofMinutes(5);

  @Required
  @Size(min = 1, max = MAX_IMAGES)
  @JsonPropertyDescription("Images that must (or must not) be on the engine; 1 to 500 entries.")
  private List<ImageEntry> images;

  @Default("IfNotPresent")
  @JsonPropertyDescription(
      "Default pull policy of the entries: IfNotPresent (default), Always or Never.")
  private PullPolicy pullPolicy;

  @JsonPropertyDescription(
      "Names of kubernetes.io/dockerconfigjson Secrets in the same namespace used to pull.")
  private List<
          @Pattern(SchemaPatterns.DNS_SUBDOMAIN)
          @Size(max = SchemaPatterns.DNS_SUBDOMAIN_MAX_LENGTH) String>
      pullSecrets;

  @Pattern(SchemaPatterns.POSITIVE_DURATION)
  @JsonPropertyDescription(
      "How often images with pullPolicy Always are re-checked against their registry, and push"
          + " targets re-verified (Go duration, e.g. 1h30m; default 5m).")
  private String refreshInterval;

  @JsonPropertyDescription("Removal of unused images, on a schedule.")
  private PruneSpec prune;

  @Default("Retain")
  @JsonPropertyDescription(
      "On deletion of the ImageSpec: Retain (default) keeps the images, Remove removes them.")
  private DeletionPolicy deletionPolicy;

  @JsonPropertyDescription("Nodes whose agents apply this spec (operator mode only).")
  private LabelSelector nodeSelector;

  public ImageSpecSpec() {}

  public static ImageSpecSpec of(ImageEntry... entries) {
    ImageSpecSpec s = new ImageSpecSpec();
    s.setImages(new ArrayList<>(List.of(entries)));
    return s;
  }

  public List<ImageEntry> getImages() {
    return images;
  }

  public void setImages(List<ImageEntry> images) {
    this.images = images;
  }

  public PullPolicy getPullPolicy() {
    return pullPolicy;
  }

  public void setPullPolicy(PullPolicy pullPolicy) {
    this.pullPolicy = pullPolicy;
  }

  public List<String> getPullSecrets() {
    return pullSecrets;
  }

  public void setPullSecrets(List<String> pullSecrets) {
    this.pullSecrets = pullSecrets;
  }

  public String getRefreshInterval() {
    return refreshInterval;
  }

  public void setRefreshInterval(String refreshInterval) {
    this.refreshInterval = refreshInterval;
  }

  public PruneSpec getPrune() {
    return prune;
  }

  public void setPrune(PruneSpec prune) {
    this.prune = prune;
  }

  public DeletionPolicy getDeletionPolicy() {
    return deletionPolicy;
  }

  public void setDeletionPolicy(DeletionPolicy deletionPolicy) {
    this.deletionPolicy = deletionPolicy;
  }

  public LabelSelector getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(LabelSelector nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  /** {@link #getPullPolicy()}, or {@code IfNotPresent}. */
  @JsonIgnore
  public PullPolicy pullPolicyOrDefault() {
    return pullPolicy == null ? PullPolicy.IfNotPresent : pullPolicy;
  }

  /** {@link #getDeletionPolicy()}, or {@code Retain}. */
  @JsonIgnore
  public DeletionPolicy deletionPolicyOrDefault() {
    return deletionPolicy == null ? DeletionPolicy.Retain : deletionPolicy;
  }

  /** {@link #getPullSecrets()}, never null. */
  @JsonIgnore
  public List<String> pullSecretsOrEmpty() {
    return pullSecrets == null ? List.of() : pullSecrets;
  }

  /** {@link #getImages()}, never null. */
  @JsonIgnore
  public List<ImageEntry> imagesOrEmpty() {
    return images == null ? List.of() : images;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageSpecSpec s
        && Objects.equals(images, s.images)
        && pullPolicy == s.pullPolicy
        && Objects.equals(pullSecrets, s.pullSecrets)
        && Objects.equals(refreshInterval, s.refreshInterval)
        && Objects.equals(prune, s.prune)
        && deletionPolicy == s.deletionPolicy
        && Objects.equals(nodeSelector, s.nodeSelector);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        images, pullPolicy, pullSecrets, refreshInterval, prune, deletionPolicy, nodeSelector);
  }

  @Override
  public String toString() {
    return "ImageSpecSpec{images="
        + images
        + ", pullPolicy="
        + pullPolicy
        + ", pullSecrets="
        + pullSecrets
        + ", refreshInterval="
        + refreshInterval
        + ", prune="
        + prune
        + ", deletionPolicy="
        + deletionPolicy
        + ", nodeSelector="
        + nodeSelector
        + "}";
  }
}
