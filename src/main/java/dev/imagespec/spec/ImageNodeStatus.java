package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** What a node's agent found and did. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "observedGeneration",
  "conditions",
  "engine",
  "specsReady",
  "lastPrune",
  "warming",
  "pinning",
  "specs"
})
public class ImageNodeStatus extends ObservedStatus {
  @JsonPropertyDescription("The engine the agent drives.")
  private EngineInfo engine;

  @JsonPropertyDescription("Matching ImageSpecs converged on this node / matching, e.g. 2/3.")
  private String specsReady;

  @JsonPropertyDescription("The most recent prune on this node, of any spec.")
  private NodePrune lastPrune;

  @JsonPropertyDescription(
      "Whether the runtime keeps pinned specs' images from the kubelet's image GC; set while a"
          + " matching spec asks for pin.")
  private NodePinning pinning;

  @JsonPropertyDescription("One entry per ImageSpec whose nodeSelector matches this node.")
  private List<NodeSpecStatus> specs;

  @JsonPropertyDescription(
      "True while the node is kept closed by the warm-before-scheduling taint: its pulls get"
          + " rollout permits first.")
  private Boolean warming;

  public Boolean getWarming() {
    return warming;
  }

  public void setWarming(Boolean warming) {
    this.warming = warming;
  }

  /**
   * {@link #specs} by namespace and name, built at the first {@link #spec} lookup: the aggregator
   * looks every spec up in every node's status, which a scan made O(specs x nodes x entries).
   * Rebuilt when the list is replaced or its size changes; entries replaced in place are not seen
   * (nothing does that: lists are built, then set).
   */
  @JsonIgnore private transient volatile SpecIndex index;

  private record SpecIndex(
      List<NodeSpecStatus> specs, int size, Map<List<String>, NodeSpecStatus> byKey) {}

  public ImageNodeStatus() {}

  // the CRD's descriptions of the shared fields, worded for a node

  @Override
  @JsonPropertyDescription("metadata.generation of this ImageNode the status describes.")
  public Long getObservedGeneration() {
    return super.getObservedGeneration();
  }

  @Override
  @JsonPropertyDescription(
      "Ready: the engine answers and every matching ImageSpec is converged on this node.")
  public List<Condition> getConditions() {
    return super.getConditions();
  }

  public EngineInfo getEngine() {
    return engine;
  }

  public void setEngine(EngineInfo engine) {
    this.engine = engine;
  }

  public String getSpecsReady() {
    return specsReady;
  }

  public void setSpecsReady(String specsReady) {
    this.specsReady = specsReady;
  }

  public NodePrune getLastPrune() {
    return lastPrune;
  }

  public void setLastPrune(NodePrune lastPrune) {
    this.lastPrune = lastPrune;
  }

  public NodePinning getPinning() {
    return pinning;
  }

  public void setPinning(NodePinning pinning) {
    this.pinning = pinning;
  }

  public List<NodeSpecStatus> getSpecs() {
    return specs;
  }

  public void setSpecs(List<NodeSpecStatus> specs) {
    this.specs = specs;
  }

  /** The entry of the spec {@code namespace/name}, if any. */
  @JsonIgnore
  public Optional<NodeSpecStatus> spec(String namespace, String name) {
    List<NodeSpecStatus> list = specs;
    if (list == null) {
      return Optional.empty();
    }
    SpecIndex i = index;
    if (i == null || i.specs() != list || i.size() != list.size()) {
      Map<List<String>, NodeSpecStatus> byKey = new HashMap<>();
      for (NodeSpecStatus s : list) {
        byKey.putIfAbsent(Arrays.asList(s.getNamespace(), s.getName()), s); // first wins
      }
      i = new SpecIndex(list, list.size(), byKey);
      index = i;
    }
    return Optional.ofNullable(i.byKey().get(Arrays.asList(namespace, name)));
  }

  @Override
  public boolean equals(Object o) {
    return sameObserved(o)
        && o instanceof ImageNodeStatus s
        && Objects.equals(engine, s.engine)
        && Objects.equals(specsReady, s.specsReady)
        && Objects.equals(lastPrune, s.lastPrune)
        && Objects.equals(pinning, s.pinning)
        && Objects.equals(specs, s.specs)
        && Objects.equals(warming, s.warming);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedHash(), engine, specsReady, lastPrune, pinning, specs, warming);
  }

  @Override
  public String toString() {
    return "ImageNodeStatus{observedGeneration="
        + getObservedGeneration()
        + ", conditions="
        + getConditions()
        + ", engine="
        + engine
        + ", specsReady="
        + specsReady
        + ", lastPrune="
        + lastPrune
        + (pinning == null ? "" : ", pinning=" + pinning)
        + ", specs="
        + specs
        + "}";
  }
}
