package dev.imagespec.reconcile;

import dev.imagespec.spec.SpecKey;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The result of {@link Planner#plan}: the ordered actions (per image pull, then tags, then pushes;
 * removes after every pull; prunes last) and every spec's verdicts.
 *
 * @param now time of the pass
 * @param actions every mutating call, each once, in execution order
 * @param specs per-spec verdicts, sorted by spec key
 */
public record Plan(Instant now, List<PlannedAction> actions, List<SpecPlan> specs) {
  public Plan {
    actions = List.copyOf(actions);
    specs = List.copyOf(specs);
  }

  /** True when nothing needs to be done. */
  public boolean isEmpty() {
    return actions.isEmpty();
  }

  public Optional<SpecPlan> spec(SpecKey key) {
    return specs.stream().filter(s -> s.key().equals(key)).findFirst();
  }

  public List<PlannedAction> actions(ActionKind kind) {
    return actions.stream().filter(a -> a.kind() == kind).toList();
  }

  /** The {@code plan -o json} document: one entry per action, {@code []} when converged. */
  public List<PlannedActionJson> toJson() {
    return actions.stream().map(PlannedAction::toJson).toList();
  }
}
