package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * How many nodes an ImageSpec applies to and how many of them are converged (operator mode): the
 * counts of {@code status.nodes}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"desired", "ready", "failed", "summary"})
public class NodeCounts extends NodeTally {
  @JsonPropertyDescription("Nodes whose agent applies this spec (their labels match nodeSelector).")
  private Integer desired;

  @JsonPropertyDescription("ready/desired, for kubectl get.")
  private String summary;

  public NodeCounts() {}

  public NodeCounts(int desired, int ready, int failed) {
    super(ready, failed);
    this.desired = desired;
    this.summary = ready + "/" + desired;
  }

  public Integer getDesired() {
    return desired;
  }

  public void setDesired(Integer desired) {
    this.desired = desired;
  }

  public String getSummary() {
    return summary;
  }

  public void setSummary(String summary) {
    this.summary = summary;
  }

  @Override
  public boolean equals(Object o) {
    return sameTally(o)
        && Objects.equals(desired, ((NodeCounts) o).desired)
        && Objects.equals(summary, ((NodeCounts) o).summary);
  }

  @Override
  public int hashCode() {
    return Objects.hash(desired, tallyHash(), summary);
  }

  @Override
  public String toString() {
    return "NodeCounts{desired="
        + desired
        + ", ready="
        + getReady()
        + ", failed="
        + getFailed()
        + ", summary="
        + summary
        + "}";
  }
}
