package dev.imagespec.operator;

import dev.imagespec.reconcile.Reasons;
import dev.imagespec.reconcile.ReconcileResult;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.EngineInfo;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageNodeStatus;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.NodePrune;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.spec.PruneStatus;
import dev.imagespec.spec.SpecKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ImageNode's status: one entry per spec the pass worked on (live, invalid, being removed),
 * {@code specsReady}, the node's last prune, and Ready/Degraded for the node. Pure: no client, no
 * clock.
 */
final class NodeStatusBuilder {
  static final int MAX_MESSAGE = 1024;

  private NodeStatusBuilder() {}

  /** The status after a pass that ran; conditions keep their times from the previous status. */
  static ImageNodeStatus build(
      ImageNode primary,
      AgentPass pass,
      ReconcileResult result,
      EngineInfo info,
      Set<SpecKey> pruneNow,
      Instant now) {
    ImageNodeStatus previous = primary.getStatus();
    ImageNodeStatus st = new ImageNodeStatus();
    Long generation = primary.getMetadata().getGeneration();
    st.setObservedGeneration(generation);
    st.setEngine(info);
    List<NodeSpecStatus> entries = new ArrayList<>();
    int ready = 0;
    List<String> problems = new ArrayList<>();
    List<String> waiting = new ArrayList<>();
    for (ImageSpec s : pass.live) {
      SpecKey key = SpecKey.of(s);
      ImageSpecStatus status = result.statuses().get(key);
      if (status == null) {
        continue;
      }
      entries.add(NodeSpecStatus.of(s, status));
      if (status.isReady()) {
        ready++;
      } else if (status.isDegraded()) {
        problems.add(key + ": " + status.condition(Conditions.DEGRADED).get().getMessage());
      } else {
        waiting.add(key.toString());
      }
    }
    for (Map.Entry<ImageSpec, String> e : pass.invalid.entrySet()) {
      entries.add(
          invalid(e.getKey(), e.getValue(), pass.previous.get(SpecKey.of(e.getKey())), now));
      problems.add(SpecKey.of(e.getKey()) + ": " + e.getValue());
    }
    for (Map.Entry<SpecKey, ImageSpec> e : pass.removing.entrySet()) {
      ImageSpecStatus status = result.statuses().get(e.getKey());
      if (status == null) {
        continue;
      }
      NodeSpecStatus entry = NodeSpecStatus.of(e.getValue(), status);
      entry.setObservedGeneration(e.getValue().getMetadata().getGeneration());
      boolean removed =
          status.getImages() != null
              && status.getImages().stream().allMatch(i -> i.getState() == ImageState.Absent);
      entry.setRemoved(removed);
      if (!removed) {
        // the aggregator's sign that this agent is still at it (AggregatorReconciler.cleanup)
        entry.setLastRemovalAttempt(Conditions.time(now));
        (status.isDegraded() ? problems : waiting).add(e.getKey() + " (removing images)");
      }
      entries.add(entry);
    }
    for (ImageSpec s : pass.removedAlready) {
      NodeSpecStatus entry = NodeSpecStatus.of(s, new ImageSpecStatus());
      entry.setObservedGeneration(s.getMetadata().getGeneration());
      entry.setRemoved(true);
      entries.add(entry);
    }
    entries.sort(Comparator.comparing(NodeSpecStatus::key));
    st.setSpecs(entries);
    st.setSpecsReady(ready + "/" + (pass.live.size() + pass.invalid.size()));
    st.setLastPrune(lastPrune(previous, result, pruneNow, now));
    boolean isReady = problems.isEmpty() && waiting.isEmpty();
    st.setConditions(
        Conditions.against(previous == null ? null : previous.getConditions(), generation, now)
            .ready(
                isReady,
                isReady
                    ? Reasons.CONVERGED
                    : problems.isEmpty() ? Reasons.PROGRESSING : Reasons.DEGRADED,
                isReady
                    ? ready + " spec(s) converged on " + info.getKind()
                    : Conditions.shorten(
                        String.join("; ", problems.isEmpty() ? waiting : problems), MAX_MESSAGE))
            .degraded(
                !problems.isEmpty(),
                problems.isEmpty() ? Reasons.AS_EXPECTED : Reasons.SPECS_DEGRADED,
                problems.isEmpty()
                    ? "no failures"
                    : Conditions.shorten(String.join("; ", problems), MAX_MESSAGE))
            .build());
    return st;
  }

  /** The entry of a spec the validator rejected: not applied, Degraded with why. */
  private static NodeSpecStatus invalid(
      ImageSpec spec, String why, ImageSpecStatus previous, Instant now) {
    ImageSpecStatus status = new ImageSpecStatus();
    Long gen = spec.getMetadata().getGeneration();
    status.setObservedGeneration(gen);
    status.setConditions(
        Conditions.against(previous == null ? null : previous.getConditions(), gen, now)
            .ready(false, Reasons.INVALID_SPEC, why)
            .progressing(false, Reasons.INVALID_SPEC, "not applied")
            .degraded(true, Reasons.INVALID_SPEC, why)
            .build());
    return NodeSpecStatus.of(spec, status);
  }

  /**
   * The status after a pass that failed as a whole (engine unreachable, anything unexpected): the
   * previous entries kept, Ready False and Degraded True with {@code reason} and {@code message}.
   */
  static ImageNodeStatus failed(ImageNode primary, String reason, String message, Instant now) {
    ImageNodeStatus previous = primary.getStatus();
    ImageNodeStatus status = copy(previous);
    Long generation = primary.getMetadata().getGeneration();
    status.setObservedGeneration(generation);
    status.setConditions(
        Conditions.against(previous == null ? null : previous.getConditions(), generation, now)
            .ready(false, reason, message)
            .degraded(true, reason, message)
            .build());
    return status;
  }

  /** The most recent prune: one that ran in this pass, else the previous one. */
  private static NodePrune lastPrune(
      ImageNodeStatus previous, ReconcileResult result, Set<SpecKey> pruneNow, Instant now) {
    NodePrune last = previous == null ? null : previous.getLastPrune();
    String at = Conditions.time(now);
    for (SpecKey key : pruneNow) {
      ImageSpecStatus st = result.statuses().get(key);
      PruneStatus p = st == null ? null : st.getPrune();
      if (p != null && at.equals(p.getLastRun())) {
        last = NodePrune.of(key, p);
      }
    }
    return last;
  }

  private static ImageNodeStatus copy(ImageNodeStatus s) {
    ImageNodeStatus c = new ImageNodeStatus();
    if (s != null) {
      c.setObservedGeneration(s.getObservedGeneration());
      c.setConditions(s.getConditions());
      c.setEngine(s.getEngine());
      c.setSpecsReady(s.getSpecsReady());
      c.setLastPrune(s.getLastPrune());
      c.setPinning(s.getPinning());
      c.setSpecs(s.getSpecs());
    }
    return c;
  }
}
