package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** One entry of {@code spec.images}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"image", "ensure", "pullPolicy", "platform", "pullTimeout", "tags", "pushes"})
@ValidationRule(
    value =
        "!has(self.ensure) || self.ensure != 'Absent' || !has(self.tags) || size(self.tags) == 0",
    message = "tags must be empty when ensure is Absent")
@ValidationRule(
    value =
        "!has(self.ensure) || self.ensure != 'Absent' || !has(self.pushes) || size(self.pushes) == 0",
    message = "pushes must be empty when ensure is Absent")
public class ImageEntry {
  /** {@code os/arch[/variant]}, e.g. {@code linux/arm64/v8}. */
  public static final String PLATFORM_PATTERN = "^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$";

  @Required
  @Pattern(SchemaPatterns.REFERENCE)
  @Size(max = SchemaPatterns.REFERENCE_MAX_LENGTH)
  @JsonPropertyDescription(
      "Image reference: [registry/]repository[:tag][@sha256:digest]; ':latest' when no tag.")
  private String image;

  @Default("Present")
  @JsonPropertyDescription("Present (default): the image must be there; Absent: it must not.")
  private Ensure ensure;

  @JsonPropertyDescription(
      "IfNotPresent, Always or Never; defaults to spec.pullPolicy, else IfNotPresent.")
  private PullPolicy pullPolicy;

  @Pattern(PLATFORM_PATTERN)
  @JsonPropertyDescription("Platform to pull, os/arch[/variant], e.g. linux/amd64.")
  private String platform;

  @Pattern(SchemaPatterns.POSITIVE_DURATION)
  @JsonPropertyDescription(
      "Deadline of a pull of this image (Go duration, e.g. 1h); defaults to spec.pullTimeout.")
  private String pullTimeout;

  @JsonPropertyDescription("Extra local references that must point at the same image ID.")
  private List<@Pattern(SchemaPatterns.LOCAL_REFERENCE) String> tags;

  @JsonPropertyDescription("Copies to other registries: tag locally as 'to', then push.")
  private List<PushTarget> pushes;

  public ImageEntry() {}

  public static ImageEntry of(String image) {
    ImageEntry e = new ImageEntry();
    e.setImage(image);
    return e;
  }

  public static ImageEntry absent(String image) {
    ImageEntry e = of(image);
    e.setEnsure(Ensure.Absent);
    return e;
  }

  /** Fluent helper: sets the pull policy and returns this. */
  public ImageEntry withPullPolicy(PullPolicy policy) {
    setPullPolicy(policy);
    return this;
  }

  /** Fluent helper: sets the tags and returns this. */
  public ImageEntry withTags(String... extraTags) {
    setTags(new ArrayList<>(List.of(extraTags)));
    return this;
  }

  /** Fluent helper: adds a push target and returns this. */
  public ImageEntry withPush(String to, String credentialsSecret) {
    List<PushTarget> list = pushes == null ? new ArrayList<>() : new ArrayList<>(pushes);
    list.add(PushTarget.of(to, credentialsSecret));
    setPushes(list);
    return this;
  }

  /** Fluent helper: sets the platform and returns this. */
  public ImageEntry withPlatform(String value) {
    setPlatform(value);
    return this;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public Ensure getEnsure() {
    return ensure;
  }

  public void setEnsure(Ensure ensure) {
    this.ensure = ensure;
  }

  public PullPolicy getPullPolicy() {
    return pullPolicy;
  }

  public void setPullPolicy(PullPolicy pullPolicy) {
    this.pullPolicy = pullPolicy;
  }

  public String getPullTimeout() {
    return pullTimeout;
  }

  public void setPullTimeout(String pullTimeout) {
    this.pullTimeout = pullTimeout;
  }

  /** Fluent helper: sets the pull timeout and returns this. */
  public ImageEntry withPullTimeout(String value) {
    setPullTimeout(value);
    return this;
  }

  public String getPlatform() {
    return platform;
  }

  public void setPlatform(String platform) {
    this.platform = platform;
  }

  public List<String> getTags() {
    return tags;
  }

  public void setTags(List<String> tags) {
    this.tags = tags;
  }

  public List<PushTarget> getPushes() {
    return pushes;
  }

  public void setPushes(List<PushTarget> pushes) {
    this.pushes = pushes;
  }

  /** {@link #getEnsure()}, or {@code Present}. */
  @JsonIgnore
  public Ensure ensureOrDefault() {
    return ensure == null ? Ensure.Present : ensure;
  }

  /** This entry's pull policy, else the spec's, else {@code IfNotPresent}. */
  @JsonIgnore
  public PullPolicy effectivePullPolicy(ImageSpecSpec spec) {
    if (pullPolicy != null) {
      return pullPolicy;
    }
    return spec == null ? PullPolicy.IfNotPresent : spec.pullPolicyOrDefault();
  }

  /** {@link #getTags()}, never null. */
  @JsonIgnore
  public List<String> tagsOrEmpty() {
    return tags == null ? List.of() : tags;
  }

  /** {@link #getPushes()}, never null. */
  @JsonIgnore
  public List<PushTarget> pushesOrEmpty() {
    return pushes == null ? List.of() : pushes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageEntry e
        && Objects.equals(image, e.image)
        && ensure == e.ensure
        && pullPolicy == e.pullPolicy
        && Objects.equals(platform, e.platform)
        && Objects.equals(pullTimeout, e.pullTimeout)
        && Objects.equals(tags, e.tags)
        && Objects.equals(pushes, e.pushes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(image, ensure, pullPolicy, platform, pullTimeout, tags, pushes);
  }

  @Override
  public String toString() {
    return "ImageEntry{image="
        + image
        + ", ensure="
        + ensure
        + ", pullPolicy="
        + pullPolicy
        + ", platform="
        + platform
        + (pullTimeout == null ? "" : ", pullTimeout=" + pullTimeout)
        + ", tags="
        + tags
        + ", pushes="
        + pushes
        + "}";
  }
}
