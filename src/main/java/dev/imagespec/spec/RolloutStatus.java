package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;

/**
 * Operator mode: the rollout permits of a spec with {@code rollout.maxConcurrentNodes}, granted by
 * the aggregator; a node's agent pulls the spec's images only while its node holds one.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"maxConcurrentNodes", "permits", "waiting", "timedOut"})
public class RolloutStatus {
  @JsonPropertyDescription(
      "At most this many nodes pull at once (from rollout.maxConcurrentNodes).")
  private Integer maxConcurrentNodes;

  @JsonPropertyDescription("Nodes that may pull now, each with when it got its permit.")
  private List<Permit> permits;

  @JsonPropertyDescription("Nodes waiting for a permit.")
  private Integer waiting;

  @JsonPropertyDescription(
      "Nodes that held a permit past the aggregator's --permit-timeout (agent gone, or a pull that"
          + " hangs): they get one again only after every other waiting node.")
  private List<String> timedOut;

  public List<String> getTimedOut() {
    return timedOut;
  }

  public void setTimedOut(List<String> timedOut) {
    this.timedOut = timedOut;
  }

  public RolloutStatus() {}

  public RolloutStatus(Integer maxConcurrentNodes, List<Permit> permits, Integer waiting) {
    this.maxConcurrentNodes = maxConcurrentNodes;
    this.permits = permits;
    this.waiting = waiting;
  }

  /** One node's permit. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"node", "granted"})
  public static class Permit {
    @JsonPropertyDescription("The node (and ImageNode) name.")
    private String node;

    @JsonPropertyDescription("When the permit was granted (RFC 3339).")
    private String granted;

    public Permit() {}

    public Permit(String node, String granted) {
      this.node = node;
      this.granted = granted;
    }

    public String getNode() {
      return node;
    }

    public void setNode(String node) {
      this.node = node;
    }

    public String getGranted() {
      return granted;
    }

    public void setGranted(String granted) {
      this.granted = granted;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Permit p
          && Objects.equals(node, p.node)
          && Objects.equals(granted, p.granted);
    }

    @Override
    public int hashCode() {
      return Objects.hash(node, granted);
    }

    @Override
    public String toString() {
      return node + "@" + granted;
    }
  }

  public Integer getMaxConcurrentNodes() {
    return maxConcurrentNodes;
  }

  public void setMaxConcurrentNodes(Integer maxConcurrentNodes) {
    this.maxConcurrentNodes = maxConcurrentNodes;
  }

  public List<Permit> getPermits() {
    return permits;
  }

  public void setPermits(List<Permit> permits) {
    this.permits = permits;
  }

  public Integer getWaiting() {
    return waiting;
  }

  public void setWaiting(Integer waiting) {
    this.waiting = waiting;
  }

  /** Whether {@code node} holds a permit. */
  public boolean permits(String node) {
    return permits != null && permits.stream().anyMatch(p -> node.equals(p.getNode()));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RolloutStatus r
        && Objects.equals(maxConcurrentNodes, r.maxConcurrentNodes)
        && Objects.equals(permits, r.permits)
        && Objects.equals(waiting, r.waiting)
        && Objects.equals(timedOut, r.timedOut);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxConcurrentNodes, permits, waiting, timedOut);
  }

  @Override
  public String toString() {
    return "RolloutStatus{max="
        + maxConcurrentNodes
        + ", permits="
        + permits
        + ", waiting="
        + waiting
        + "}";
  }
}
