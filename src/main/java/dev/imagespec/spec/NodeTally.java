package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * Counts of nodes that are ready and failed (operator mode), shared by a spec's {@link NodeCounts}
 * and an image's {@link ImageNodeCounts}. Descriptions here are a spec's; {@link ImageNodeCounts}
 * words its own on its getters.
 */
public abstract class NodeTally {
  @JsonPropertyDescription("Nodes where the spec's current generation is converged.")
  private Integer ready;

  @JsonPropertyDescription("Nodes where the spec is Degraded.")
  private Integer failed;

  protected NodeTally() {}

  protected NodeTally(int ready, int failed) {
    this.ready = ready;
    this.failed = failed;
  }

  public Integer getReady() {
    return ready;
  }

  public void setReady(Integer ready) {
    this.ready = ready;
  }

  public Integer getFailed() {
    return failed;
  }

  public void setFailed(Integer failed) {
    this.failed = failed;
  }

  /** Same class and same ready and failed counts (subclasses compare their own fields too). */
  protected boolean sameTally(Object o) {
    return o != null
        && o.getClass() == getClass()
        && Objects.equals(ready, ((NodeTally) o).ready)
        && Objects.equals(failed, ((NodeTally) o).failed);
  }

  protected int tallyHash() {
    return Objects.hash(ready, failed);
  }
}
