package dev.imagespec.operator;

import dev.imagespec.reconcile.ActionKind;
import dev.imagespec.reconcile.ActionOutcome;
import dev.imagespec.reconcile.PlannedAction;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.reconcile.ReconcileResult;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageNodeStatus;
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

  /**
   * One {@code ImageRemovedExternally} Event per image the pass found removed out of band, on the
   * ImageNode and on each spec that declares it: Normal when it is pulled again, Warning when the
   * GC backoff holds it back.
   */
  void removedExternally(
      ImageNode node, AgentPass pass, ExternalRemovals removals, ImageNodeStatus status) {
    for (String image : removals.detected()) {
      java.util.Optional<java.time.Instant> until = removals.heldUntil(image);
      int count = 0;
      if (status.getSpecs() != null) {
        for (var s : status.getSpecs()) {
          if (s.getImages() == null) {
            continue;
          }
          for (var i : s.getImages()) {
            if (i.getRemovedExternally() != null
                && ExternalRemovals.canonical(i.getImage()).map(image::equals).orElse(false)) {
              count = Math.max(count, i.getRemovedExternally());
            }
          }
        }
      }
      String message =
          "node "
              + nodeName
              + ": "
              + image
              + " was removed by something other than imagespec (the kubelet's image GC?), "
              + count
              + " time(s) so far; "
              + until
                  .map(
                      t ->
                          Reasons.GARBAGE_COLLECTED
                              + ": not pulled again before "
                              + dev.imagespec.spec.Conditions.time(t)
                              + "; pin the image, raise the kubelet's imageGCHighThresholdPercent"
                              + " or free disk")
                  .orElse("pulling it again");
      EventRecorder.Type type =
          until.isPresent() ? EventRecorder.Type.Warning : EventRecorder.Type.Normal;
      LOG.atWarn()
          .addKeyValue("node", nodeName)
          .addKeyValue("image", image)
          .addKeyValue("reason", Reasons.IMAGE_REMOVED_EXTERNALLY)
          .log("{}", message);
      metrics.removedExternally(until.isPresent());
      events.record(node, type, Reasons.IMAGE_REMOVED_EXTERNALLY, message);
      for (SpecKey key : ExternalRemovals.specsWith(status, image)) {
        ImageSpec spec = pass.byKey.get(key);
        if (spec != null) {
          events.record(spec, type, Reasons.IMAGE_REMOVED_EXTERNALLY, message);
        }
      }
    }
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
            case PULL -> ok ? "Pulled" : o.reason() != null ? o.reason() : "PullFailed";
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
