package dev.imagespec.operator;

import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.GoDuration;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Which nodes the finalizer of a deleted {@code deletionPolicy: Remove} spec stops waiting for
 * ({@code --finalizer-timeout}): a node whose agent has not tried to remove the images for the
 * timeout (its entry's {@code lastRemovalAttempt}, else the spec's deletion time), or whose Node
 * has been NotReady (Ready False or Unknown) that long. A Ready node whose agent keeps trying is
 * waited for. Pure: the Nodes come from {@code nodes} (null: unknown), the time from the caller.
 */
final class FinalizerTimeout {
  /** The default of {@code --finalizer-timeout}. */
  static final Duration DEFAULT = Duration.ofMinutes(10);

  private FinalizerTimeout() {}

  /** A node given up on, and why (e.g. "no removal attempt since 2026-11-30T11:00:00Z"). */
  record Left(String node, String why) {
    @Override
    public String toString() {
      return node + " (" + why + ")";
    }
  }

  /**
   * @param left the nodes no longer waited for
   * @param waiting the nodes still waited for
   * @param nextDeadline when the first of {@code waiting} would be given up (null: none)
   */
  record Decision(List<Left> left, List<String> waiting, Instant nextDeadline) {}

  /**
   * @param deletion the spec's deletion time (null: unknown, counted from {@code now})
   * @param waiting the nodes that have not reported the images removed, with their entries
   * @param nodes a node's Node object, null when unknown; asked only for nodes not yet silent
   */
  static Decision decide(
      Instant deletion,
      List<SpecAggregation.Report> waiting,
      Function<String, Node> nodes,
      Instant now,
      Duration timeout) {
    List<Left> left = new ArrayList<>();
    List<String> still = new ArrayList<>();
    Instant next = null;
    for (SpecAggregation.Report r : waiting) {
      Instant heard = deletion == null ? now : deletion;
      Instant attempt = Conditions.parseTime(r.entry().getLastRemovalAttempt());
      if (attempt != null && attempt.isAfter(heard)) {
        heard = attempt;
      }
      Instant silentAt = heard.plus(timeout);
      if (!now.isBefore(silentAt)) {
        left.add(
            new Left(
                r.node(),
                attempt == null
                    ? "its agent made no removal attempt in " + GoDuration.format(timeout)
                    : "its agent's last removal attempt was at " + Conditions.time(attempt)));
        continue;
      }
      Instant notReady = notReadySince(nodes.apply(r.node()));
      if (notReady != null && !now.isBefore(notReady.plus(timeout))) {
        left.add(new Left(r.node(), "Node NotReady since " + Conditions.time(notReady)));
        continue;
      }
      still.add(r.node());
      Instant deadline =
          notReady != null && notReady.plus(timeout).isBefore(silentAt)
              ? notReady.plus(timeout)
              : silentAt;
      next = next == null || deadline.isBefore(next) ? deadline : next;
    }
    return new Decision(List.copyOf(left), List.copyOf(still), next);
  }

  /** Since when the Node's Ready condition is False or Unknown; null when Ready or not known. */
  static Instant notReadySince(Node node) {
    if (node == null || node.getStatus() == null || node.getStatus().getConditions() == null) {
      return null;
    }
    for (NodeCondition c : node.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus())
            ? null
            : Conditions.parseTime(c.getLastTransitionTime());
      }
    }
    return null;
  }
}
