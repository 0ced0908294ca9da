package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
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
  "pullTimeout",
  "prune",
  "deletionPolicy",
  "nodeSelector",
  "warmBeforeScheduling",
  "pin",
  "rollout"
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

  @Pattern(SchemaPatterns.POSITIVE_DURATION)
  @JsonPropertyDescription(
      "Deadline of each pull of this spec's images (Go duration, e.g. 45m; default 20m, or the"
          + " agent's --pull-timeout). A pull still running then is cancelled and reported"
          + " TimedOut; the next pass tries again.")
  private String pullTimeout;

  @JsonPropertyDescription("Removal of unused images, on a schedule.")
  private PruneSpec prune;

  @Default("Retain")
  @JsonPropertyDescription(
      "On deletion of the ImageSpec: Retain (default) keeps the images, Remove removes them.")
  private DeletionPolicy deletionPolicy;

  @JsonPropertyDescription("Nodes whose agents apply this spec (operator mode only).")
  private LabelSelector nodeSelector;

  @JsonPropertyDescription(
      "Operator mode: a node registered with the agent's startup taint"
          + " (imagespec.dev/warming:NoSchedule by default) keeps it until this spec is converged"
          + " on it, so pods are not scheduled onto it before its images are there.")
  private Boolean warmBeforeScheduling;

  @JsonPropertyDescription(
      "Operator mode: pin the declared images so the kubelet's image garbage collection keeps"
          + " them (containerd: label io.cri-containerd.pinned=pinned). Default: true when"
          + " warmBeforeScheduling is, else false.")
  private Boolean pin;

  @JsonPropertyDescription("Operator mode: how fast the images reach the nodes.")
  private RolloutSpec rollout;

  /** Why the spec read from the API server does not bind (see {@link TolerantRead}); or null. */
  @JsonIgnore private Violation unreadable;

  /** The spec as read, when {@link #unreadable} (written back as it was). */
  @JsonIgnore private JsonNode raw;

  public ImageSpecSpec() {}

  /** A spec that did not bind: only its node selector (when that binds) is known. */
  static ImageSpecSpec unreadable(JsonNode raw, Violation why, LabelSelector nodeSelector) {
    ImageSpecSpec s = new ImageSpecSpec();
    s.raw = raw;
    s.unreadable = why;
    s.nodeSelector = nodeSelector;
    return s;
  }

  /**
   * Why this spec, as read from the API server, cannot be used (a field of a wrong type or an
   * unknown value; field, value and what to do); null when it could be read.
   */
  public Violation unreadable() {
    return unreadable;
  }

  JsonNode raw() {
    return raw;
  }

  public Boolean getWarmBeforeScheduling() {
    return warmBeforeScheduling;
  }

  public void setWarmBeforeScheduling(Boolean warmBeforeScheduling) {
    this.warmBeforeScheduling = warmBeforeScheduling;
  }

  public Boolean getPin() {
    return pin;
  }

  public void setPin(Boolean pin) {
    this.pin = pin;
  }

  public RolloutSpec getRollout() {
    return rollout;
  }

  public void setRollout(RolloutSpec rollout) {
    this.rollout = rollout;
  }

  /** {@code warmBeforeScheduling}, false when unset. */
  public boolean warmBeforeSchedulingOrDefault() {
    return Boolean.TRUE.equals(warmBeforeScheduling);
  }

  /** {@code pin}; when unset, {@code warmBeforeScheduling}. */
  public boolean pinOrDefault() {
    return pin != null ? pin : warmBeforeSchedulingOrDefault();
  }

  /** At most this many of {@code nodes} matching nodes pull at once; null: unlimited. */
  public Integer maxConcurrentNodes(int nodes) {
    return rollout == null ? null : rollout.limit(nodes);
  }

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

  public String getPullTimeout() {
    return pullTimeout;
  }

  public void setPullTimeout(String pullTimeout) {
    this.pullTimeout = pullTimeout;
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
        && Objects.equals(pullTimeout, s.pullTimeout)
        && Objects.equals(prune, s.prune)
        && deletionPolicy == s.deletionPolicy
        && Objects.equals(nodeSelector, s.nodeSelector)
        && Objects.equals(warmBeforeScheduling, s.warmBeforeScheduling)
        && Objects.equals(pin, s.pin)
        && Objects.equals(rollout, s.rollout)
        && Objects.equals(raw, s.raw);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        images,
        pullPolicy,
        pullSecrets,
        refreshInterval,
        pullTimeout,
        prune,
        deletionPolicy,
        nodeSelector,
        warmBeforeScheduling,
        pin,
        rollout,
        raw);
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
        + (pullTimeout == null ? "" : ", pullTimeout=" + pullTimeout)
        + ", prune="
        + prune
        + ", deletionPolicy="
        + deletionPolicy
        + ", nodeSelector="
        + nodeSelector
        + (warmBeforeScheduling == null ? "" : ", warmBeforeScheduling=" + warmBeforeScheduling)
        + (pin == null ? "" : ", pin=" + pin)
        + (rollout == null ? "" : ", rollout=" + rollout)
        + (unreadable == null ? "" : ", unreadable=" + unreadable)
        + "}";
  }
}
