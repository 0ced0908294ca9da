package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;

/** The observed state of an {@link ImageSpec}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "observedGeneration",
  "conditions",
  "nodes",
  "imagesReady",
  "images",
  "pushes",
  "prune",
  "rollout",
  "access"
})
public class ImageSpecStatus extends SpecStatusFields {
  public static final String READY = Conditions.READY;
  public static final String PROGRESSING = Conditions.PROGRESSING;
  public static final String DEGRADED = Conditions.DEGRADED;

  @JsonPropertyDescription("Operator mode: nodes this spec applies to, ready and failed.")
  private NodeCounts nodes;

  @JsonPropertyDescription("Operator mode: images ready on every node / images declared, e.g. 3/4.")
  private String imagesReady;

  @JsonPropertyDescription(
      "Operator mode: access checks the aggregator made once for the cluster, for images another"
          + " spec's credentials brought onto nodes; agents read them instead of asking the"
          + " registry.")
  private List<AccessVerdict> access;

  @JsonPropertyDescription(
      "Operator mode: with rollout.maxConcurrentNodes, the nodes that may pull now (permits) and"
          + " how many wait.")
  private RolloutStatus rollout;

  public ImageSpecStatus() {}

  public RolloutStatus getRollout() {
    return rollout;
  }

  public void setRollout(RolloutStatus rollout) {
    this.rollout = rollout;
  }

  public List<AccessVerdict> getAccess() {
    return access;
  }

  public void setAccess(List<AccessVerdict> access) {
    this.access = access;
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

  @Override
  public boolean equals(Object o) {
    return sameSpecFields(o)
        && o instanceof ImageSpecStatus s
        && Objects.equals(nodes, s.nodes)
        && Objects.equals(imagesReady, s.imagesReady)
        && Objects.equals(access, s.access)
        && Objects.equals(rollout, s.rollout);
  }

  @Override
  public int hashCode() {
    return Objects.hash(specFieldsHash(), nodes, imagesReady, access, rollout);
  }

  @Override
  public String toString() {
    return "ImageSpecStatus{observedGeneration="
        + getObservedGeneration()
        + ", conditions="
        + getConditions()
        + ", images="
        + getImages()
        + ", pushes="
        + getPushes()
        + ", prune="
        + getPrune()
        + (nodes == null ? "" : ", nodes=" + nodes)
        + (imagesReady == null ? "" : ", imagesReady=" + imagesReady)
        + (access == null ? "" : ", access=" + access)
        + (rollout == null ? "" : ", rollout=" + rollout)
        + "}";
  }
}
