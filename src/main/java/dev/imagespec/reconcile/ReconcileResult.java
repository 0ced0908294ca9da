package dev.imagespec.reconcile;

import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.SpecKey;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one pass.
 *
 * @param plan what was planned
 * @param outcomes one per planned action, in plan order (empty for a dry run)
 * @param statuses the new status of every spec, sorted by key
 * @param calls port calls made during the pass
 * @param dryRun whether this was a dry run
 */
public record ReconcileResult(
    Plan plan,
    List<ActionOutcome> outcomes,
    Map<SpecKey, ImageSpecStatus> statuses,
    EngineCalls calls,
    boolean dryRun) {

  public ReconcileResult {
    outcomes = List.copyOf(outcomes);
    statuses = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(statuses));
  }

  /** True when every spec is Ready. */
  public boolean converged() {
    return statuses.values().stream().allMatch(ImageSpecStatus::isReady);
  }

  /** True when an action failed or a spec is Degraded (conflict, Never-missing, in use, ...). */
  public boolean hasFailures() {
    return outcomes.stream().anyMatch(o -> o.result() == ActionOutcome.Result.FAILED)
        || statuses.values().stream().anyMatch(ImageSpecStatus::isDegraded);
  }

  /** Failed actions. */
  public List<ActionOutcome> failures() {
    return outcomes.stream().filter(o -> o.result() == ActionOutcome.Result.FAILED).toList();
  }

  /** {@code ns/name: <Degraded message>} for every degraded spec. */
  public List<String> problems() {
    List<String> out = new ArrayList<>();
    statuses.forEach(
        (k, s) ->
            s.condition(ImageSpecStatus.DEGRADED)
                .filter(c -> "True".equals(c.getStatus()))
                .map(Condition::getMessage)
                .ifPresent(m -> out.add(k + ": " + m)));
    return out;
  }
}
