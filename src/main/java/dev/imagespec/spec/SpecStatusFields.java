package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Objects;

/**
 * The status of one ImageSpec as a reconciler pass leaves it: images, pushes, prune, with the
 * generation and conditions. A spec's own status ({@link ImageSpecStatus}) and a node's entry for
 * it ({@link NodeSpecStatus}) both hold these; the descriptions here are a spec's.
 */
public abstract class SpecStatusFields extends ObservedStatus {
  @JsonPropertyDescription("One entry per spec.images entry.")
  private List<ImageStatus> images;

  @JsonPropertyDescription("One entry per push target.")
  private List<PushStatus> pushes;

  @JsonPropertyDescription("The last and next prune run.")
  private PruneStatus prune;

  protected SpecStatusFields() {}

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

  /** Takes generation, conditions, images, pushes and prune of {@code from}. */
  protected void copySpecFields(SpecStatusFields from) {
    setObservedGeneration(from.getObservedGeneration());
    setConditions(from.getConditions());
    images = from.images;
    pushes = from.pushes;
    prune = from.prune;
  }

  protected boolean sameSpecFields(Object o) {
    return sameObserved(o)
        && Objects.equals(images, ((SpecStatusFields) o).images)
        && Objects.equals(pushes, ((SpecStatusFields) o).pushes)
        && Objects.equals(prune, ((SpecStatusFields) o).prune);
  }

  protected int specFieldsHash() {
    return Objects.hash(observedHash(), images, pushes, prune);
  }
}
