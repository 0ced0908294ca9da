package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What every status of this API starts with: the generation it describes and its conditions ({@link
 * ImageSpecStatus}, a node's entry {@link NodeSpecStatus}, {@link ImageNodeStatus}). The
 * descriptions here are a spec's; subclasses word their own on their getters.
 */
public abstract class ObservedStatus {
  @JsonPropertyDescription("metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Ready, Progressing and Degraded conditions.")
  private List<Condition> conditions;

  protected ObservedStatus() {}

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

  /** The condition of that type, if any. */
  @JsonIgnore
  public Optional<Condition> condition(String type) {
    return Conditions.find(conditions, type);
  }

  /** True when the Ready condition is True. */
  @JsonIgnore
  public boolean isReady() {
    return Conditions.isTrue(conditions, Conditions.READY);
  }

  /** True when the Degraded condition is True. */
  @JsonIgnore
  public boolean isDegraded() {
    return Conditions.isTrue(conditions, Conditions.DEGRADED);
  }

  /** Same class, same generation and conditions (subclasses compare their own fields too). */
  protected boolean sameObserved(Object o) {
    return o != null
        && o.getClass() == getClass()
        && Objects.equals(observedGeneration, ((ObservedStatus) o).observedGeneration)
        && Objects.equals(conditions, ((ObservedStatus) o).conditions);
  }

  protected int observedHash() {
    return Objects.hash(observedGeneration, conditions);
  }
}
