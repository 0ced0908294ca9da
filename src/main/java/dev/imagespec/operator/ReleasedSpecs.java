package dev.imagespec.operator;

import dev.imagespec.spec.DeletionPolicy;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.SpecKey;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Specs with {@code deletionPolicy: Remove} deleted while the pass that first applied them on this
 * node was running. The node had not reported them yet, so the aggregator's finalizer found nobody
 * to wait for and released them at once: no deleting spec reaches the next pass. This agent removes
 * their images itself in the next passes (never what a live spec declares), without reporting them
 * (the spec is gone). Only specs that carried the aggregator's finalizer count: without an
 * aggregator, deletion removes nothing (README).
 *
 * <p>Kept in memory: an agent restarted in between does not remember them.
 */
final class ReleasedSpecs {
  /**
   * Uids of specs whose deletion the aggregator took charge of: seen carrying its finalizer, and
   * not seen without it before their deletion began (from the informer's events).
   */
  private final Set<String> held = ConcurrentHashMap.newKeySet();

  /** Uids of specs the informer saw deleted, until no pass needs them. */
  private final Set<String> gone = ConcurrentHashMap.newKeySet();

  /** Remove specs the last pass applied that this node had not reported yet: uid -> spec. */
  private final Map<String, ImageSpec> unreported = new ConcurrentHashMap<>();

  /** Released before this node reported them, until their images are gone: uid -> spec. */
  private final Map<String, ImageSpec> orphans = new ConcurrentHashMap<>();

  /** The informer saw {@code spec} added or changed. */
  void seen(ImageSpec spec) {
    String uid = spec.getMetadata().getUid();
    if (uid == null) {
      return;
    }
    List<String> finalizers = spec.getMetadata().getFinalizers();
    if (finalizers != null && finalizers.contains(AggregatorReconciler.FINALIZER)) {
      held.add(uid);
    } else if (spec.getMetadata().getDeletionTimestamp() == null) {
      held.remove(uid); // (the aggregator's release of a deleted spec keeps it held)
    }
  }

  /** The informer saw {@code spec} deleted. */
  void deleted(ImageSpec spec) {
    String uid = spec.getMetadata().getUid();
    if (uid != null) {
      gone.add(uid);
    }
  }

  /** At a pass's start: the specs whose images this pass removes. */
  List<ImageSpec> toRemove() {
    unreported.forEach(
        (uid, spec) -> {
          if (gone.contains(uid) && held.contains(uid)) {
            orphans.put(uid, spec);
          }
        });
    return List.copyOf(orphans.values());
  }

  /** After planning: the live Remove specs this pass applies that the node has not reported. */
  void applying(AgentPass pass) {
    unreported.clear();
    for (ImageSpec s : pass.live) {
      if (s.getSpec().deletionPolicyOrDefault() == DeletionPolicy.Remove
          && !pass.previous.containsKey(SpecKey.of(s))
          && s.getMetadata().getUid() != null) {
        unreported.put(s.getMetadata().getUid(), s);
      }
    }
    // a spec deleted since this pass listed the specs is still in unreported: keep its uid
    for (String uid : gone) {
      if (!unreported.containsKey(uid)) {
        gone.remove(uid);
        held.remove(uid);
      }
    }
  }

  /**
   * After the pass: the released specs with nothing left to remove, and those it planned whose
   * images are all absent now, are done.
   */
  void removed(AgentPass pass, Map<SpecKey, ImageSpecStatus> statuses) {
    pass.releasedAlready.forEach(s -> orphans.remove(s.getMetadata().getUid()));
    for (ImageSpec s : pass.released) {
      ImageSpecStatus st = statuses.get(SpecKey.of(s));
      if (st != null
          && st.getImages() != null
          && st.getImages().stream().allMatch(i -> i.getState() == ImageState.Absent)) {
        orphans.remove(s.getMetadata().getUid());
      }
    }
  }
}
