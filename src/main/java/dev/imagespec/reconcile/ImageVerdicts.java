package dev.imagespec.reconcile;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.reconcile.PullDecisions.Want;
import dev.imagespec.reconcile.SpecEntries.Entry;
import dev.imagespec.spec.Ensure;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.PullPolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Planner step 5: the verdict on each {@code spec.images} entry. Invalid, conflicting,
 * never-pullable and unauthorized ({@link AccessVerdicts}) entries fail; entries whose access check
 * is pending wait ({@code Pending}, reason {@link Reasons#ACCESS_PENDING}, no tags); Present
 * entries get their missing or moved tags; Absent entries a remove, unless a container uses the
 * image.
 */
final class ImageVerdicts {
  private final Conflicts conflicts;
  private final PullDecisions pulls;
  private final AccessVerdicts access;
  private final LocalIndex index;
  private final List<ContainerRef> containers;
  private final Instant now;
  private final ActionBook book;

  ImageVerdicts(
      Conflicts conflicts,
      PullDecisions pulls,
      AccessVerdicts access,
      LocalIndex index,
      List<ContainerRef> containers,
      Instant now,
      ActionBook book) {
    this.conflicts = conflicts;
    this.pulls = pulls;
    this.access = access;
    this.index = index;
    this.containers = containers;
    this.now = now;
    this.book = book;
  }

  Verdict of(Entry e) {
    Verdict d = new Verdict(e);
    if (!e.valid()) {
      d.fail(ImageState.Failed, e.invalid, Reasons.INVALID_SPEC);
      return d;
    }
    String conflict = conflicts.of(e);
    if (conflict != null) {
      d.fail(ImageState.Conflict, conflict, Reasons.CONFLICT);
      LocalImage local = index.find(e.ref);
      d.id = local == null ? null : local.id();
      return d;
    }
    if (e.ensure == Ensure.Absent) {
      absent(e, d);
      return d;
    }
    Want w = pulls.of(e);
    if (w.failedNever) {
      d.fail(ImageState.Failed, "not present and pullPolicy is Never", Reasons.PULL_FAILED);
      return d;
    }
    if (w.held != null) {
      d.fail(ImageState.Failed, w.held.message(), w.held.reason());
      return d;
    }
    AccessVerdicts.Access may = access.of(e);
    if (may.kind() == AccessVerdicts.Kind.UNAUTHORIZED) {
      d.fail(ImageState.Failed, may.message(), may.reason());
      // the digest this spec may not read (the operator's aggregator keeps its verdict fresh)
      d.digest = w.pull ? null : access.accessDigest(e);
      return d;
    }
    if (may.kind() == AccessVerdicts.Kind.PENDING) {
      // not counted, not failed: the shared access verdict on this digest decides
      d.fail(ImageState.Pending, may.message(), may.reason());
      d.id = w.pull || w.local == null ? null : w.local.id();
      String digest = w.pull ? null : access.accessDigest(e);
      d.digest = digest != null ? digest : w.pull ? null : w.digest;
      if (e.policy == PullPolicy.Always) {
        d.lastChecked = e.prevLastChecked();
      }
      return d;
    }
    if (may.kind() == AccessVerdicts.Kind.UNVERIFIED) {
      // the registry could not be asked: the image stays as it is, nothing is added to it
      boolean tagsMissing = !w.pull && e.tags.stream().anyMatch(t -> !tagged(t, w));
      d.fail(
          w.pull || tagsMissing ? ImageState.Failed : ImageState.Present,
          may.message(),
          may.reason());
      d.id = w.pull || w.local == null ? null : w.local.id();
      d.digest = w.pull ? null : w.digest;
      if (e.policy == PullPolicy.Always) {
        d.lastChecked = e.prevLastChecked();
      }
      return d;
    }
    d.id = w.local == null ? null : w.local.id();
    d.digest = w.digest;
    d.pullKey = w.pullKey;
    if (w.warning != null) {
      d.message = w.warning;
      d.problem = Reasons.REGISTRY_CHECK_FAILED;
    }
    if (e.policy == PullPolicy.Always) {
      d.lastChecked = w.checked ? now : e.prevLastChecked();
    }
    ActionBook.Chain chain = book.chain(w.canonical);
    for (ImageReference t : e.tags) {
      String tc = t.canonical();
      String reason;
      if (w.pull) {
        reason = "after pull";
      } else {
        LocalImage tl = index.byTag(tc);
        if (tl == null) {
          reason = "missing";
        } else if (!Ids.same(tl.id(), w.local.id())) {
          reason = "points at " + Ids.shortId(tl.id()) + ", not " + Ids.shortId(w.local.id());
        } else {
          continue;
        }
      }
      String key =
          book.register(
              new PlannedAction(
                  e.spec.key,
                  ActionKind.TAG,
                  w.canonical,
                  tc,
                  reason,
                  List.of(),
                  new PlannedAction.Details(null, null, null, w.sourceId(), 0, null)));
      chain.tags.add(key);
      d.tagKeys.add(key);
    }
    d.state = w.pull || !d.tagKeys.isEmpty() ? ImageState.Pending : ImageState.Present;
    return d;
  }

  private boolean tagged(ImageReference t, Want w) {
    LocalImage tl = index.byTag(t.canonical());
    return tl != null && w.local != null && Ids.same(tl.id(), w.local.id());
  }

  private void absent(Entry e, Verdict d) {
    LocalImage local = index.find(e.ref);
    if (local == null) {
      d.state = ImageState.Absent;
      return;
    }
    d.id = local.id();
    List<ContainerRef> users =
        containers == null
            ? List.of()
            : containers.stream().filter(c -> Ids.same(c.imageId(), local.id())).toList();
    boolean deletes = Conflicts.wouldDelete(e.ref, local);
    if (!users.isEmpty() && deletes) {
      d.fail(
          ImageState.Failed,
          "image "
              + Ids.shortId(local.id())
              + " is used by "
              + (users.size() == 1 ? "container " : "containers ")
              + users.stream()
                  .map(
                      c ->
                          (c.name() == null ? "" : c.name() + " ")
                              + "("
                              + Ids.shortId(c.id())
                              + ")")
                  .collect(Collectors.joining(", ")),
          Reasons.REMOVE_FAILED);
      return;
    }
    String key =
        book.register(
            new PlannedAction(
                e.spec.key,
                ActionKind.REMOVE,
                e.canonical,
                null,
                deletes
                    ? "present (image " + Ids.shortId(local.id()) + ")"
                    : "untag only: the image has other tags",
                List.of(),
                new PlannedAction.Details(
                    null, null, null, local.id(), local.size(), local.repoTags())));
    book.remove(key);
    d.removeKey = key;
    d.state = ImageState.Pending;
  }

  /** The verdict on one entry, with the keys of the actions it waits for. */
  static final class Verdict {
    final Entry e;
    ImageState state = ImageState.Pending;
    String id;
    String digest;
    String message;
    Instant lastChecked;
    String problem;
    String pullKey;
    final List<String> tagKeys = new ArrayList<>();
    String removeKey;

    private Verdict(Entry e) {
      this.e = e;
    }

    private void fail(ImageState s, String msg, String reason) {
      state = s;
      message = msg;
      problem = reason;
    }

    ImagePlan toPlan(ActionBook book) {
      return new ImagePlan(
          e.index,
          e.e.getImage(),
          e.canonical,
          e.ensure,
          e.policy,
          state,
          id,
          digest,
          message,
          lastChecked,
          problem,
          book.get(pullKey),
          tagKeys.stream().map(book::get).toList(),
          book.get(removeKey));
    }
  }
}
