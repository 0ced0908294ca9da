package dev.imagespec.operator;

import dev.imagespec.reconcile.PullHolds;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.RolloutStatus;
import dev.imagespec.spec.SpecKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The aggregator's rollout throttle ({@code rollout.maxConcurrentNodes}): which nodes may pull a
 * spec's images now. Permits live in the spec's {@code status.rollout}, written by the aggregator
 * alone; agents read them from their ImageSpec informer and hold back the pulls of nodes without
 * one ({@code Waiting}, reason {@code RolloutThrottled}), which the aggregator sees in their
 * ImageNodes and answers with permits.
 *
 * <p>A permit ends when the node reports the spec converged (or failed) at the current generation,
 * when its ImageNode stops reporting the spec (agent or node gone, selector changed), or {@code
 * permitTimeout} after it was granted (the node then waits behind every other node). Free permits
 * go to waiting nodes, those behind the warm-before-scheduling taint first, then by name. Pure: no
 * client, no clock.
 */
final class RolloutPermits {
  private RolloutPermits() {}

  /**
   * The rollout status after this reconcile, or null when the spec has no limit.
   *
   * @param warming nodes kept closed by the warm gate (their ImageNode says {@code warming})
   */
  static RolloutStatus next(
      ImageSpec spec,
      List<SpecAggregation.Report> reports,
      Set<String> warming,
      RolloutStatus previous,
      Instant now,
      Duration permitTimeout) {
    if (spec.getSpec() == null) {
      return null;
    }
    Integer limit = spec.getSpec().maxConcurrentNodes(reports.size());
    if (limit == null) {
      return null;
    }
    Long generation = spec.getMetadata().getGeneration();
    Map<String, SpecAggregation.Report> byNode =
        reports.stream().collect(Collectors.toMap(SpecAggregation.Report::node, r -> r));
    List<RolloutStatus.Permit> kept = new ArrayList<>();
    // nodes that held a permit past the timeout go last, as long as they still report
    Set<String> timedOut = new java.util.TreeSet<>();
    if (previous != null && previous.getTimedOut() != null) {
      previous.getTimedOut().stream().filter(byNode::containsKey).forEach(timedOut::add);
    }
    if (previous != null && previous.getPermits() != null) {
      for (RolloutStatus.Permit p : previous.getPermits()) {
        SpecAggregation.Report r = byNode.get(p.getNode());
        if (r == null || done(r, generation)) {
          continue;
        }
        if (expired(p, now, permitTimeout)) {
          timedOut.add(p.getNode());
          continue;
        }
        kept.add(p);
      }
    }
    Set<String> holding =
        kept.stream().map(RolloutStatus.Permit::getNode).collect(Collectors.toSet());
    List<String> waiting =
        reports.stream()
            .filter(r -> !holding.contains(r.node()) && waits(r))
            .map(SpecAggregation.Report::node)
            .sorted(
                Comparator.comparing((String n) -> timedOut.contains(n))
                    .thenComparing((String n) -> !warming.contains(n))
                    .thenComparing(Comparator.naturalOrder()))
            .collect(Collectors.toCollection(ArrayList::new));
    String granted = Conditions.time(now);
    while (kept.size() < limit && !waiting.isEmpty()) {
      String node = waiting.remove(0);
      kept.add(new RolloutStatus.Permit(node, granted));
      timedOut.remove(node);
    }
    kept.sort(Comparator.comparing(RolloutStatus.Permit::getNode));
    RolloutStatus out = new RolloutStatus(limit, kept.isEmpty() ? null : kept, waiting.size());
    out.setTimedOut(timedOut.isEmpty() ? null : new ArrayList<>(timedOut));
    return out;
  }

  /**
   * The agent's side: the pulls {@code node} holds back because a spec that wants them has a limit
   * and no permit for this node in its status. An image that a spec without a limit (or one whose
   * permit this node holds) also wants is pulled.
   */
  static PullHolds holds(List<ImageSpec> live, String node) {
    Map<SpecKey, ImageSpec> limited = new java.util.HashMap<>();
    for (ImageSpec s : live) {
      if (s.getSpec() != null && s.getSpec().maxConcurrentNodes(1) != null) {
        RolloutStatus st = s.getStatus() == null ? null : s.getStatus().getRollout();
        if (st == null || !st.permits(node)) {
          limited.put(SpecKey.of(s), s);
        }
      }
    }
    if (limited.isEmpty()) {
      return PullHolds.none();
    }
    return (canonical, specs, missing) -> {
      if (!limited.keySet().containsAll(specs)) {
        return null;
      }
      ImageSpec first = limited.get(specs.iterator().next());
      RolloutStatus st = first.getStatus() == null ? null : first.getStatus().getRollout();
      Object max =
          st != null && st.getMaxConcurrentNodes() != null
              ? st.getMaxConcurrentNodes()
              : first.getSpec().getRollout().getMaxConcurrentNodes().toString();
      return new PullHolds.Hold(
          Reasons.ROLLOUT_THROTTLED,
          "waiting for a rollout permit: at most "
              + max
              + " node(s) pull the images of "
              + SpecKey.of(first)
              + " at once (rollout.maxConcurrentNodes); the aggregator grants them in turn",
          false);
    };
  }

  /** When the next permit expires (a reconcile then frees it), or null. */
  static Duration nextExpiry(RolloutStatus st, Instant now, Duration permitTimeout) {
    if (st == null || st.getPermits() == null) {
      return null;
    }
    Duration next = null;
    for (RolloutStatus.Permit p : st.getPermits()) {
      Duration d = Duration.between(now, granted(p).plus(permitTimeout));
      d = d.isNegative() ? Duration.ofSeconds(1) : d.plusMillis(100);
      next = next == null || d.compareTo(next) < 0 ? d : next;
    }
    return next;
  }

  /** The nodes whose ImageNode says they are kept closed by the warm gate. */
  static Set<String> warming(List<ImageNode> nodes) {
    return nodes.stream()
        .filter(n -> n.getStatus() != null && Boolean.TRUE.equals(n.getStatus().getWarming()))
        .map(n -> n.getMetadata().getName())
        .collect(Collectors.toSet());
  }

  private static boolean done(SpecAggregation.Report r, Long generation) {
    // converged, or failed (a failing pull must not keep the others waiting)
    // (an entry still waiting for a permit is not done, whatever else failed)
    return Objects.equals(generation, r.entry().getObservedGeneration())
        && !waits(r)
        && (r.entry().isReady() || r.entry().isDegraded());
  }

  private static boolean waits(SpecAggregation.Report r) {
    List<ImageStatus> images = r.entry().getImages();
    return images != null && images.stream().anyMatch(i -> i.getState() == ImageState.Waiting);
  }

  private static boolean expired(RolloutStatus.Permit p, Instant now, Duration timeout) {
    return !now.isBefore(granted(p).plus(timeout));
  }

  private static Instant granted(RolloutStatus.Permit p) {
    Instant t = Conditions.parseTime(p.getGranted());
    return t == null ? Instant.EPOCH : t;
  }
}
