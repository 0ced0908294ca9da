package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Objects;

/**
 * One ImageSpec as a node's agent applied it: the same fields as the spec's own status in local
 * mode ({@link ImageSpecStatus}), per node, plus which spec (namespace, name, uid) and whether its
 * images were removed after its deletion ({@code deletionPolicy: Remove}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "namespace",
  "name",
  "uid",
  "observedGeneration",
  "removed",
  "conditions",
  "images",
  "pushes",
  "prune"
})
public class NodeSpecStatus {
  @JsonPropertyDescription("Namespace of the ImageSpec.")
  private String namespace;

  @JsonPropertyDescription("Name of the ImageSpec.")
  private String name;

  @JsonPropertyDescription("metadata.uid of the ImageSpec.")
  private String uid;

  @JsonPropertyDescription("metadata.generation of the ImageSpec this entry describes.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "The spec is being deleted with deletionPolicy Remove and this node removed its images"
          + " (those no other spec declares).")
  private Boolean removed;

  @JsonPropertyDescription("Ready, Progressing and Degraded on this node.")
  private List<Condition> conditions;

  @JsonPropertyDescription("One entry per spec.images entry, as on this node's engine.")
  private List<ImageStatus> images;

  @JsonPropertyDescription("One entry per push target, as pushed from this node.")
  private List<PushStatus> pushes;

  @JsonPropertyDescription("The last and next prune of this spec on this node.")
  private PruneStatus prune;

  public NodeSpecStatus() {}

  /** An entry for {@code spec} holding the fields of {@code status}. */
  public static NodeSpecStatus of(ImageSpec spec, ImageSpecStatus status) {
    NodeSpecStatus n = new NodeSpecStatus();
    SpecKey key = SpecKey.of(spec);
    n.setNamespace(key.namespace());
    n.setName(key.name());
    n.setUid(spec.getMetadata() == null ? null : spec.getMetadata().getUid());
    n.setObservedGeneration(status.getObservedGeneration());
    n.setConditions(status.getConditions());
    n.setImages(status.getImages());
    n.setPushes(status.getPushes());
    n.setPrune(status.getPrune());
    return n;
  }

  /** The fields as an {@link ImageSpecStatus} (the reconciler's previous status of the spec). */
  public ImageSpecStatus toSpecStatus() {
    ImageSpecStatus s = new ImageSpecStatus();
    s.setObservedGeneration(observedGeneration);
    s.setConditions(conditions);
    s.setImages(images);
    s.setPushes(pushes);
    s.setPrune(prune);
    return s;
  }

  @JsonIgnore
  public SpecKey key() {
    return new SpecKey(namespace, name);
  }

  /** True when the Ready condition is True. */
  @JsonIgnore
  public boolean isReady() {
    return Conditions.isTrue(conditions, ImageSpecStatus.READY);
  }

  /** True when the Degraded condition is True. */
  @JsonIgnore
  public boolean isDegraded() {
    return Conditions.isTrue(conditions, ImageSpecStatus.DEGRADED);
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getUid() {
    return uid;
  }

  public void setUid(String uid) {
    this.uid = uid;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public Boolean getRemoved() {
    return removed;
  }

  public void setRemoved(Boolean removed) {
    this.removed = removed;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public List<ImageStatus> getImages() {
    return images;
  }

  public void setImages(List<ImageStatus> images) {
    this.images = images;
  }

  public List<PushStatus> getPushes() {
    return pushes;
  }

  public void setPushes(List<PushStatus> pushes) {
    this.pushes = pushes;
  }

  public PruneStatus getPrune() {
    return prune;
  }

  public void setPrune(PruneStatus prune) {
    this.prune = prune;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeSpecStatus s
        && Objects.equals(namespace, s.namespace)
        && Objects.equals(name, s.name)
        && Objects.equals(uid, s.uid)
        && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(removed, s.removed)
        && Objects.equals(conditions, s.conditions)
        && Objects.equals(images, s.images)
        && Objects.equals(pushes, s.pushes)
        && Objects.equals(prune, s.prune);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        namespace, name, uid, observedGeneration, removed, conditions, images, pushes, prune);
  }

  @Override
  public String toString() {
    return "NodeSpecStatus{"
        + namespace
        + "/"
        + name
        + ", observedGeneration="
        + observedGeneration
        + ", removed="
        + removed
        + ", conditions="
        + conditions
        + ", images="
        + images
        + "}";
  }
}
