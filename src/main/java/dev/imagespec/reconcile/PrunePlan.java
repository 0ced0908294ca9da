package dev.imagespec.reconcile;

import java.util.List;

/**
 * The prune of one spec in this pass.
 *
 * @param run whether the prune runs in this pass
 * @param actions one {@code PRUNE} action per candidate image attributed to this spec
 * @param message why nothing is pruned (e.g. invalid filter), or null
 */
public record PrunePlan(boolean run, List<PlannedAction> actions, String message) {
  public PrunePlan {
    actions = actions == null ? List.of() : List.copyOf(actions);
  }

  /** Bytes the candidates occupy. */
  public long bytes() {
    return actions.stream().mapToLong(a -> a.details().size()).sum();
  }
}
