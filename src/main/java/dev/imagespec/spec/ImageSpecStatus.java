package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The observed state of an {@link ImageSpec}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "observedGeneration",
  "conditions",
  "nodes",
  "imagesReady",
  "images",
  "pushes",
  "prune"
})
public class ImageSpecStatus {
  public static final String READY = Conditions.READY;
  public static final String PROGRESSING = Conditions.PROGRESSING;
  public static final String DEGRADED = Conditions.DEGRADED;

  @JsonPropertyDescription("metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Ready, Progressing and Degraded conditions.")
  private List<Condition> conditions;

  @JsonPropertyDescription("One entry per spec.images entry.")
  private List<ImageStatus> images;

  @JsonPropertyDescription("One entry per push target.")
  private List<PushStatus> pushes;

  @JsonPropertyDescription("The last and next prune run.")
  private PruneStatus prune;

  @JsonPropertyDescription("Operator mode: nodes this spec applies to, ready and failed.")
  private NodeCounts nodes;

  @JsonPropertyDescription("Operator mode: images ready on every node / images declared, e.g. 3/4.")
  private String imagesReady;

  public ImageSpecStatus() {}

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
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

  public NodeCounts getNodes() {
    return nodes;
  }

  public void setNodes(NodeCounts nodes) {
    this.nodes = nodes;
  }

  public String getImagesReady() {
    return imagesReady;
  }

  public void setImagesReady(String imagesReady) {
    this.imagesReady = imagesReady;
  }

  /** The condition of that type, if any. */
  @JsonIgnore
  public Optional<Condition> condition(String type) {
    return Conditions.find(conditions, type);
  }

  /** True when the Ready condition is True. */
  @JsonIgnore
  public boolean isReady() {
    return Conditions.isTrue(conditions, READY);
  }

  /** True when the Degraded condition is True. */
  @JsonIgnore
  public boolean isDegraded() {
    return Conditions.isTrue(conditions, DEGRADED);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageSpecStatus s
        && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(conditions, s.conditions)
        && Objects.equals(images, s.images)
        && Objects.equals(pushes, s.pushes)
        && Objects.equals(prune, s.prune)
        && Objects.equals(nodes, s.nodes)
        && Objects.equals(imagesReady, s.imagesReady);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, conditions, images, pushes, prune, nodes, imagesReady);
  }

  @Override
  public String toString() {
    return "ImageSpecStatus{observedGeneration="
        + observedGeneration
        + ", conditions="
        + conditions
        + ", images="
        + images
        + ", pushes="
        + pushes
        + ", prune="
        + prune
        + (nodes == null ? "" : ", nodes=" + nodes)
        + (imagesReady == null ? "" : ", imagesReady=" + imagesReady)
        + "}";
  }
}
