package dev.imagespec.operator;

import dev.imagespec.reconcile.ActionKind;
import dev.imagespec.reconcile.ActionOutcome;
import dev.imagespec.reconcile.PlannedAction;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.reconcile.ReconcileResult;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.SpecKey;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an agent pass did, told outward: one log line and one metric per action, and Kubernetes
 * Events on the specs concerned (pulls, pushes, removals, failures, invalid specs, one Pruned per
 * spec).
 */
final class PassEvents {
  // the agent's logger: action lines read as the pass's own
  private static final Logger LOG = LoggerFactory.getLogger(AgentReconciler.class);

  private final String nodeName;
  private final Metrics metrics;
  private final EventRecorder events;

  PassEvents(String nodeName, Metrics metrics, EventRecorder events) {
    this.nodeName = nodeName;
    this.metrics = metrics;
    this.events = events;
  }

  void record(ReconcileResult result, AgentPass pass) {
    Map<SpecKey, int[]> pruned = new LinkedHashMap<>();
    for (ActionOutcome o : result.outcomes()) {
      metrics.action(o);
      if (o.result() == ActionOutcome.Result.SKIPPED) {
        continue;
      }
      PlannedAction a = o.action();
      boolean ok = o.succeeded();
      (ok ? LOG.atInfo() : LOG.atWarn())
          .addKeyValue("node", nodeName)
          .addKeyValue("action", a.kind().name().toLowerCase(java.util.Locale.ROOT))
          .addKeyValue("image", a.image())
          .addKeyValue("result", o.result().name().toLowerCase(java.util.Locale.ROOT))
          .addKeyValue("spec", a.spec().toString())
          .log("{}", o.describe());
      if (a.kind() == ActionKind.PRUNE) {
        if (ok) {
          pruned.computeIfAbsent(a.spec(), k -> new int[1])[0]++;
          continue;
        }
      }
      String reason =
          switch (a.kind()) {
            case PULL -> ok ? "Pulled" : "PullFailed";
            case PUSH -> ok ? "Pushed" : "PushFailed";
            case TAG -> ok ? "Tagged" : "TagFailed";
            case REMOVE -> ok ? "Removed" : "RemoveFailed";
            case PRUNE -> "PruneFailed";
          };
      if (ok && a.kind() == ActionKind.TAG) {
        continue; // tags are bookkeeping; pulls and pushes say what matters
      }
      for (SpecKey key : a.specs()) {
        ImageSpec spec = pass.byKey.get(key);
        if (spec != null) {
          events.record(
              spec,
              ok ? EventRecorder.Type.Normal : EventRecorder.Type.Warning,
              reason,
              "node " + nodeName + ": " + o.describe());
        }
      }
    }
    pass.invalid.forEach(
        (spec, why) ->
            events.record(
                spec,
                EventRecorder.Type.Warning,
                Reasons.INVALID_SPEC,
                "node " + nodeName + ": not applied: " + why));
    pruned.forEach(
        (key, n) -> {
          ImageSpec spec = pass.byKey.get(key);
          ImageSpecStatus st = result.statuses().get(key);
          if (spec != null) {
            events.record(
                spec,
                EventRecorder.Type.Normal,
                "Pruned",
                "node "
                    + nodeName
                    + ": "
                    + (st != null && st.getPrune() != null
                        ? st.getPrune().getMessage()
                        : "deleted " + n[0] + " image(s)"));
          }
        });
  }
}
