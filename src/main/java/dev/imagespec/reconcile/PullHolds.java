package dev.imagespec.reconcile;

import dev.imagespec.spec.SpecKey;
import java.util.Set;

/**
 * Pulls a front end holds back in this pass, decided outside the planner: the operator's rollout
 * permits ({@code rollout.maxConcurrentNodes}, a wait) and its backoff from an image the kubelet's
 * GC keeps removing (a failure). A held image is not pulled; its entries report the hold's state
 * instead, with no tag.
 */
@FunctionalInterface
public interface PullHolds {
  /**
   * Why the pull of {@code canonical}, wanted by the entries of {@code specs}, waits in this pass,
   * or null to pull it.
   *
   * @param missing true when the image is not on the engine at all (else its registry digest moved)
   */
  Hold hold(String canonical, Set<SpecKey> specs, boolean missing);

  /**
   * A held pull.
   *
   * @param reason the status reason (e.g. {@code RolloutThrottled})
   * @param message what the entry's status says
   * @param failed true when the hold is a failure (the entry is {@code Failed} and degrades the
   *     spec), false when it is a wait ({@code Waiting}: not ready, not degraded)
   */
  record Hold(String reason, String message, boolean failed) {}

  /** The first hold of {@code holds} that holds a pull back. */
  static PullHolds firstOf(PullHolds... holds) {
    return (canonical, specs, missing) -> {
      for (PullHolds h : holds) {
        Hold hold = h.hold(canonical, specs, missing);
        if (hold != null) {
          return hold;
        }
      }
      return null;
    };
  }

  /** Nothing held. */
  static PullHolds none() {
    return (canonical, specs, missing) -> null;
  }
}
