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
public class NodeCounts {
  @JsonPropertyDescription("Nodes whose agent applies this spec (their labels match nodeSelector).")
  private Integer desired;

  @JsonPropertyDescription("Nodes where the spec's current generation is converged.")
  private Integer ready;

  @JsonPropertyDescription("Nodes where the spec is Degraded.")
  private Integer failed;

  @JsonPropertyDescription("ready/desired, for kubectl get.")
  private String summary;

  public NodeCounts() {}

  public NodeCounts(int desired, int ready, int failed) {
    this.desired = desired;
    this.ready = ready;
    this.failed = failed;
    this.summary = ready + "/" + desired;
  }

  public Integer getDesired() {
    return desired;
  }

  public void setDesired(Integer desired) {
    this.desired = desired;
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

  public String getSummary() {
    return summary;
  }

  public void setSummary(String summary) {
    this.summary = summary;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeCounts n
        && Objects.equals(desired, n.desired)
        && Objects.equals(ready, n.ready)
        && Objects.equals(failed, n.failed)
        && Objects.equals(summary, n.summary);
  }

  @Override
  public int hashCode() {
    return Objects.hash(desired, ready, failed, summary);
  }

  @Override
  public String toString() {
    return "NodeCounts{desired="
        + desired
        + ", ready="
        + ready
        + ", failed="
        + failed
        + ", summary="
        + summary
        + "}";
  }
}
