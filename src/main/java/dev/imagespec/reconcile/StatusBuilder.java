package dev.imagespec.reconcile;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.CronSchedule;
import dev.imagespec.spec.Ensure;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.PruneSpec;
import dev.imagespec.spec.PruneStatus;
import dev.imagespec.spec.PullPolicy;
import dev.imagespec.spec.PushState;
import dev.imagespec.spec.PushStatus;
import dev.imagespec.spec.SpecKey;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Builds each spec's status from its plan and the outcomes of the executed actions (none in a dry
 * run: planned work then shows as {@code Pending}). Entries and pushes waiting for a shared access
 * verdict stay {@code Pending} without degrading the spec: Ready false and Progressing true, reason
 * {@code AccessPending} when nothing else is pending.
 */
public final class StatusBuilder {
  /** Degraded reasons, most important first. */
  static final List<String> REASON_ORDER =
      List.of(
          Reasons.CONFLICT,
          Reasons.UNAUTHORIZED,
          Reasons.INVALID_SPEC,
          Reasons.PULL_FAILED,
          Reasons.TIMED_OUT,
          Reasons.INSUFFICIENT_DISK,
          Reasons.GARBAGE_COLLECTED,
          Reasons.REMOVE_FAILED,
          Reasons.TAG_FAILED,
          Reasons.PUSH_FAILED,
          Reasons.UNSUPPORTED,
          Reasons.REGISTRY_CHECK_FAILED,
          Reasons.PRUNE_FAILED);

  private StatusBuilder() {}

  /**
   * Statuses of every spec of the plan.
   *
   * @param outcomes outcomes by {@link PlannedAction#key()}
   * @param executed false for a dry run
   */
  public static Map<SpecKey, ImageSpecStatus> build(
      Plan plan, Map<String, ActionOutcome> outcomes, boolean executed) {
    Map<SpecKey, ImageSpecStatus> out = new LinkedHashMap<>();
    for (SpecPlan sp : plan.specs()) {
      out.put(sp.key(), build(sp, outcomes, executed, plan.now()));
    }
    return out;
  }

  /**
   * The planner's reason, else {@link Reasons#UNSUPPORTED} when the runtime cannot tag or push at
   * all, else PushFailed.
   */
  private static String pushProblem(PushPlan pp, Map<String, ActionOutcome> outcomes) {
    if (pp.problem() != null) {
      return pp.problem();
    }
    for (PlannedAction a : java.util.Arrays.asList(pp.tag(), pp.push())) {
      ActionOutcome o = a == null ? null : outcomes.get(a.key());
      if (o != null && Reasons.UNSUPPORTED.equals(o.reason())) {
        return Reasons.UNSUPPORTED;
      }
    }
    return Reasons.PUSH_FAILED;
  }

  static String time(Instant t) {
    return Conditions.time(t);
  }

  /** The status of one spec. */
  public static ImageSpecStatus build(
      SpecPlan sp, Map<String, ActionOutcome> outcomes, boolean executed, Instant now) {
    ImageSpecStatus st = new ImageSpecStatus();
    Long generation =
        sp.spec().getMetadata() == null ? null : sp.spec().getMetadata().getGeneration();
    st.setObservedGeneration(generation);
    Problems problems = new Problems();
    int pending = 0;
    int waiting = 0; // of pending: entries and pushes waiting for a shared verdict or a permit
    int throttled = 0; // of waiting: for a rollout permit
    boolean converged = true;

    List<ImageStatus> images = new ArrayList<>();
    for (ImagePlan ip : sp.images()) {
      ImageState state = ip.state();
      String id = ip.id();
      String digest = ip.digest();
      String message = ip.message();
      Instant lastChecked = ip.lastChecked();
      String problem = ip.problem();
      if (ip.waits()) {
        problem = null;
        waiting++;
        if (state == ImageState.Waiting) {
          throttled++;
          pending++;
        }
      } else if (state == ImageState.Pending && executed) {
        if (ip.ensure() == Ensure.Present) {
          state = ImageState.Present;
          if (ip.pull() != null) {
            ActionOutcome o = outcomes.get(ip.pull().key());
            if (o == null || !o.succeeded()) {
              state = ImageState.Failed;
              message = "pull failed: " + why(o);
              problem = o == null ? Reasons.PULL_FAILED : o.reasonOr(Reasons.PULL_FAILED);
            } else {
              if (o.image() != null) {
                id = o.image().id();
                digest = digestOf(o.image(), ip.canonical(), digest);
              }
              message = "pulled (" + ip.pull().reason() + ")";
              problem = null;
              if (ip.policy() == PullPolicy.Always) {
                lastChecked = now;
              }
            }
          }
          if (state == ImageState.Present) {
            for (PlannedAction t : ip.tags()) {
              ActionOutcome o = outcomes.get(t.key());
              if (o == null || !o.succeeded()) {
                state = ImageState.Failed;
                message = "tag " + t.target() + " failed: " + why(o);
                problem = o == null ? Reasons.TAG_FAILED : o.reasonOr(Reasons.TAG_FAILED);
                break;
              }
            }
            if (state == ImageState.Present && ip.pull() == null && message == null) {
              message =
                  "tagged "
                      + ip.tags().stream()
                          .map(PlannedAction::target)
                          .collect(Collectors.joining(", "));
            }
          }
        } else if (ip.remove() != null) {
          ActionOutcome o = outcomes.get(ip.remove().key());
          if (o != null && o.succeeded()) {
            state = ImageState.Absent;
            id = null;
            digest = null;
            message = o.message() != null ? o.message() : "removed";
          } else {
            state = ImageState.Failed;
            message = "remove failed: " + why(o);
            problem = o == null ? Reasons.REMOVE_FAILED : o.reasonOr(Reasons.REMOVE_FAILED);
          }
        }
      }
      if (state == ImageState.Pending) {
        pending++;
      }
      if (ip.ensure() == Ensure.Present
          ? state != ImageState.Present
          : state != ImageState.Absent) {
        converged = false;
      }
      if (problem != null) {
        problems.add(problem, ip.image());
      }
      images.add(new ImageStatus(ip.image(), state, id, digest, message, time(lastChecked)));
    }
    st.setImages(images);

    List<PushStatus> pushes = new ArrayList<>();
    for (PushPlan pp : sp.pushes()) {
      PushState state = pp.state();
      String digest = pp.digest();
      String id = pp.id();
      String message = pp.message();
      Instant lastChecked = pp.lastChecked();
      if (pp.waits()) {
        waiting++;
        if (Reasons.ROLLOUT_THROTTLED.equals(pp.problem())) {
          throttled++;
        }
      } else if (state == PushState.Pending && executed) {
        ActionOutcome tag = pp.tag() == null ? null : outcomes.get(pp.tag().key());
        ActionOutcome push = pp.push() == null ? null : outcomes.get(pp.push().key());
        if (push != null && push.succeeded()) {
          state = PushState.Pushed;
          digest = push.digest();
          id = push.imageId() != null ? push.imageId() : id;
          lastChecked = now;
          message = "pushed (" + pp.push().reason() + ")";
        } else {
          state = PushState.Failed;
          message =
              tag != null && !tag.succeeded()
                  ? "tag as " + pp.to() + " failed: " + why(tag)
                  : "push failed: " + why(push);
        }
      }
      switch (state) {
        case Pending -> pending++;
        case Failed -> problems.add(pushProblem(pp, outcomes), pp.to());
        case Conflict -> problems.add(Reasons.CONFLICT, pp.image());
        default -> {}
      }
      if (state != PushState.Pushed) {
        converged = false;
      }
      pushes.add(
          new PushStatus(pp.image(), pp.to(), state, digest, id, message, time(lastChecked)));
    }
    st.setPushes(pushes.isEmpty() ? null : pushes);

    if (sp.prune() != null) {
      PruneResult pr = prune(sp, outcomes, executed, now);
      st.setPrune(pr.status);
      pending += pr.pending;
      if (pr.failed) {
        problems.add(Reasons.PRUNE_FAILED, "prune");
      }
    }

    ImageSpecStatus prev = sp.previous();
    boolean ready = converged && pending == 0;
    boolean onlyWaiting = pending > 0 && waiting == pending;
    String pendingMessage = pendingMessage(pending - waiting, waiting - throttled, throttled);
    String waitReason = throttled > 0 ? Reasons.ROLLOUT_THROTTLED : Reasons.ACCESS_PENDING;
    String primary = problems.primary();
    List<Condition> conditions =
        Conditions.against(prev == null ? null : prev.getConditions(), generation, now)
            .ready(
                ready,
                ready
                    ? Reasons.CONVERGED
                    : onlyWaiting
                        ? waitReason
                        : pending > 0
                            ? Reasons.PENDING
                            : primary != null ? primary : Reasons.NOT_CONVERGED,
                ready
                    ? summary(images.size(), pushes.size())
                    : pending > 0 ? pendingMessage : problems.message())
            .progressing(
                pending > 0,
                onlyWaiting
                    ? waitReason
                    : pending > 0 ? Reasons.ACTIONS_PENDING : Reasons.RECONCILED,
                pending > 0 ? pendingMessage : "no action pending")
            .degraded(
                primary != null,
                primary != null ? primary : Reasons.AS_EXPECTED,
                primary != null ? problems.message() : "no failures")
            .build();
    st.setConditions(conditions);
    return st;
  }

  private static String pendingMessage(int actions, int waiting, int throttled) {
    List<String> parts = new ArrayList<>();
    if (actions > 0) {
      parts.add(actions + " action(s) pending");
    }
    if (waiting > 0) {
      parts.add(
          waiting
              + (waiting == 1 ? " image or push waits" : " images or pushes wait")
              + " for an access check made once for the cluster");
    }
    if (throttled > 0) {
      parts.add(
          throttled
              + (throttled == 1 ? " image or push waits" : " images or pushes wait")
              + " for a rollout permit (rollout.maxConcurrentNodes)");
    }
    return String.join(", ", parts);
  }

  private static String summary(int images, int pushes) {
    return images
        + (images == 1 ? " image" : " images")
        + (pushes == 0 ? "" : " and " + pushes + (pushes == 1 ? " push" : " pushes"))
        + " converged";
  }

  private record PruneResult(PruneStatus status, int pending, boolean failed) {}

  private static PruneResult prune(
      SpecPlan sp, Map<String, ActionOutcome> outcomes, boolean executed, Instant now) {
    PrunePlan plan = sp.prune();
    PruneSpec spec = sp.spec().getSpec() == null ? null : sp.spec().getSpec().getPrune();
    PruneStatus prev = sp.previous() == null ? null : sp.previous().getPrune();
    PruneStatus p =
        prev == null
            ? new PruneStatus()
            : new PruneStatus(
                prev.getLastRun(),
                prev.getNextRun(),
                prev.getImagesDeleted(),
                prev.getSpaceReclaimed(),
                prev.getMessage());
    String next = null;
    if (spec != null && spec.getSchedule() != null) {
      try {
        next = time(CronSchedule.parse(spec.getSchedule()).nextAfter(now).orElse(null));
      } catch (IllegalArgumentException e) {
        next = null;
      }
    }
    p.setNextRun(next);
    int pending = 0;
    boolean failed = false;
    if (plan.run()) {
      if (executed) {
        int deleted = 0;
        long bytes = 0;
        List<String> failures = new ArrayList<>();
        for (PlannedAction a : plan.actions()) {
          ActionOutcome o = outcomes.get(a.key());
          if (o != null && o.succeeded()) {
            deleted++;
            bytes += o.bytes();
          } else if (o == null || o.result() == ActionOutcome.Result.FAILED) {
            failures.add(Ids.shortId(a.image()) + " (" + why(o) + ")");
          }
        }
        p.setLastRun(time(now));
        p.setImagesDeleted(deleted);
        p.setSpaceReclaimed(bytes);
        p.setMessage(
            "deleted "
                + deleted
                + (deleted == 1 ? " image" : " images")
                + ", reclaimed "
                + ByteSizes.format(bytes)
                + (failures.isEmpty() ? "" : "; could not delete " + String.join(", ", failures)));
        failed = !failures.isEmpty();
      } else {
        pending = plan.actions().size();
        p.setMessage(
            "would delete "
                + plan.actions().size()
                + (plan.actions().size() == 1 ? " image" : " images")
                + " ("
                + ByteSizes.format(plan.bytes())
                + ")");
      }
    } else if (plan.message() != null) {
      p.setMessage(plan.message());
    }
    boolean empty =
        p.getLastRun() == null
            && p.getNextRun() == null
            && p.getImagesDeleted() == null
            && p.getSpaceReclaimed() == null
            && p.getMessage() == null;
    return new PruneResult(empty ? null : p, pending, failed);
  }

  private static String digestOf(LocalImage img, String canonical, String fallback) {
    ImageReference ref = LocalIndex.parse(canonical);
    if (ref == null) {
      return fallback;
    }
    if (ref.hasDigest()) {
      return ref.digest().get();
    }
    List<String> digests = LocalIndex.digests(img, ref.repository());
    if (fallback != null && digests.contains(fallback)) {
      return fallback;
    }
    return digests.isEmpty() ? fallback : digests.get(0);
  }

  private static String why(ActionOutcome o) {
    if (o == null) {
      return "not attempted";
    }
    return o.message() == null ? o.result().name().toLowerCase(java.util.Locale.ROOT) : o.message();
  }

  /** Degraded reasons with the images they concern. */
  private static final class Problems {
    private final Map<String, Set<String>> byReason = new LinkedHashMap<>();

    void add(String reason, String what) {
      byReason.computeIfAbsent(reason, k -> new LinkedHashSet<>()).add(what);
    }

    String primary() {
      return REASON_ORDER.stream()
          .filter(byReason::containsKey)
          .findFirst()
          .orElse(byReason.keySet().stream().findFirst().orElse(null));
    }

    String message() {
      List<String> reasons = new ArrayList<>(byReason.keySet());
      reasons.sort((a, b) -> Integer.compare(rank(a), rank(b)));
      return reasons.stream()
          .map(r -> r + ": " + String.join(", ", byReason.get(r)))
          .collect(Collectors.joining("; "));
    }

    private static int rank(String reason) {
      int i = REASON_ORDER.indexOf(reason);
      return i < 0 ? REASON_ORDER.size() : i;
    }
  }
}
