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
 * mode ({@link SpecStatusFields}, shared with {@link ImageSpecStatus}), per node, plus which spec
 * (namespace, name, uid) and whether its images were removed after its deletion ({@code
 * deletionPolicy: Remove}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "namespace",
  "name",
  "uid",
  "observedGeneration",
  "removed",
  "lastRemovalAttempt",
  "conditions",
  "images",
  "pushes",
  "prune"
})
public class NodeSpecStatus extends SpecStatusFields {
  @JsonPropertyDescription("Namespace of the ImageSpec.")
  private String namespace;

  @JsonPropertyDescription("Name of the ImageSpec.")
  private String name;

  @JsonPropertyDescription("metadata.uid of the ImageSpec.")
  private String uid;

  @JsonPropertyDescription(
      "The spec is being deleted with deletionPolicy Remove and this node removed its images"
          + " (those no other spec declares).")
  private Boolean removed;

  @JsonPropertyDescription(
      "While removed is false: when this node's agent last tried to remove the images (RFC 3339)."
          + " The aggregator stops waiting for a node that has not tried for its"
          + " --finalizer-timeout.")
  private String lastRemovalAttempt;

  public NodeSpecStatus() {}

  /** An entry for {@code spec} holding the fields of {@code status}. */
  public static NodeSpecStatus of(ImageSpec spec, ImageSpecStatus status) {
    NodeSpecStatus n = new NodeSpecStatus();
    SpecKey key = SpecKey.of(spec);
    n.setNamespace(key.namespace());
    n.setName(key.name());
    n.setUid(spec.getMetadata() == null ? null : spec.getMetadata().getUid());
    n.copySpecFields(status);
    return n;
  }

  /** The fields as an {@link ImageSpecStatus} (the reconciler's previous status of the spec). */
  public ImageSpecStatus toSpecStatus() {
    ImageSpecStatus s = new ImageSpecStatus();
    s.copySpecFields(this);
    return s;
  }

  @JsonIgnore
  public SpecKey key() {
    return new SpecKey(namespace, name);
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

  public Boolean getRemoved() {
    return removed;
  }

  public void setRemoved(Boolean removed) {
    this.removed = removed;
  }

  public String getLastRemovalAttempt() {
    return lastRemovalAttempt;
  }

  public void setLastRemovalAttempt(String lastRemovalAttempt) {
    this.lastRemovalAttempt = lastRemovalAttempt;
  }

  // the CRD's descriptions of the shared fields, worded for a node's entry

  @Override
  @JsonPropertyDescription("metadata.generation of the ImageSpec this entry describes.")
  public Long getObservedGeneration() {
    return super.getObservedGeneration();
  }

  @Override
  @JsonPropertyDescription("Ready, Progressing and Degraded on this node.")
  public List<Condition> getConditions() {
    return super.getConditions();
  }

  @Override
  @JsonPropertyDescription("One entry per spec.images entry, as on this node's engine.")
  public List<ImageStatus> getImages() {
    return super.getImages();
  }

  @Override
  @JsonPropertyDescription("One entry per push target, as pushed from this node.")
  public List<PushStatus> getPushes() {
    return super.getPushes();
  }

  @Override
  @JsonPropertyDescription("The last and next prune of this spec on this node.")
  public PruneStatus getPrune() {
    return super.getPrune();
  }

  @Override
  public boolean equals(Object o) {
    return sameSpecFields(o)
        && o instanceof NodeSpecStatus s
        && Objects.equals(namespace, s.namespace)
        && Objects.equals(name, s.name)
        && Objects.equals(uid, s.uid)
        && Objects.equals(removed, s.removed)
        && Objects.equals(lastRemovalAttempt, s.lastRemovalAttempt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(specFieldsHash(), namespace, name, uid, removed, lastRemovalAttempt);
  }

  @Override
  public String toString() {
    return "NodeSpecStatus{"
        + namespace
        + "/"
        + name
        + ", observedGeneration="
        + getObservedGeneration()
        + ", removed="
        + removed
        + (lastRemovalAttempt == null ? "" : ", lastRemovalAttempt=" + lastRemovalAttempt)
        + ", conditions="
        + getConditions()
        + ", images="
        + getImages()
        + "}";
  }
}
