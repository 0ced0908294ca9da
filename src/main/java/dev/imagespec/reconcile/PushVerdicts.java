package dev.imagespec.reconcile;

import dev.imagespec.reconcile.PullDecisions.Want;
import dev.imagespec.reconcile.SpecEntries.Entry;
import dev.imagespec.reconcile.SpecEntries.PushRef;
import dev.imagespec.spec.Ensure;
import dev.imagespec.spec.PushState;
import dev.imagespec.spec.PushStatus;
import dev.imagespec.spec.PushTarget;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Planner step 6: the push plan. Entries {@link AccessVerdicts} refuses push nothing; those whose
 * access check is pending wait ({@code Pending}, nothing planned). A push target is verified
 * against its registry once its refresh interval elapsed, and pushed (after a local tag as the
 * target, when missing) when the registry does not hold this image.
 */
final class PushVerdicts {
  private final SpecEntries specs;
  private final Conflicts conflicts;
  private final PullDecisions pulls;
  private final AccessVerdicts access;
  private final LocalIndex index;
  private final Instant now;

  PushVerdicts(
      SpecEntries specs,
      Conflicts conflicts,
      PullDecisions pulls,
      AccessVerdicts access,
      LocalIndex index,
      Instant now) {
    this.specs = specs;
    this.conflicts = conflicts;
    this.pulls = pulls;
    this.access = access;
    this.index = index;
    this.now = now;
  }

  /** Registry lookups the push plan needs: targets of local images not verified recently. */
  List<RegistryCheck> checks() {
    List<RegistryCheck> out = new ArrayList<>();
    for (Entry e : specs.entries()) {
      if (!conflicts.clear(e) || e.ensure != Ensure.Present) {
        continue;
      }
      Want w = pulls.of(e);
      if (w.local == null || access.pushRefusal(e) != null) {
        continue; // pulled in this pass, failing or refused: nothing to verify
      }
      for (PushRef p : e.pushes) {
        if (recent(e, p, w.local) == null) {
          out.add(check(e, p));
        }
      }
    }
    return out;
  }

  /** The verdicts on an entry's push targets, registering the tags and pushes they need. */
  List<Verdict> of(Entry e, Map<String, RegistryAnswer> answers, ActionBook book) {
    List<Verdict> out = new ArrayList<>();
    if (!e.valid()) {
      for (PushTarget p : e.e.pushesOrEmpty()) {
        out.add(new Verdict(e, p, null, PushState.Failed, "invalid spec entry: " + e.invalid));
      }
      return out;
    }
    String conflict = conflicts.of(e);
    if (conflict != null) {
      for (PushRef p : e.pushes) {
        out.add(new Verdict(e, p.target(), p.to().canonical(), PushState.Conflict, conflict));
      }
      return out;
    }
    if (e.ensure == Ensure.Absent) {
      return out;
    }
    Want w = pulls.of(e);
    if (w.failedNever) {
      for (PushRef p : e.pushes) {
        out.add(
            new Verdict(
                e,
                p.target(),
                p.to().canonical(),
                PushState.Failed,
                "image not present (pullPolicy is Never)"));
      }
      return out;
    }
    if (w.held != null) {
      for (PushRef p : e.pushes) {
        Verdict d =
            new Verdict(
                e,
                p.target(),
                p.to().canonical(),
                w.held.failed() ? PushState.Failed : PushState.Pending,
                "the push waits for the image: " + w.held.message());
        d.problem = w.held.reason();
        out.add(d);
      }
      return out;
    }
    AccessVerdicts.Access may = access.of(e);
    if (may.kind() == AccessVerdicts.Kind.PENDING) {
      for (PushRef p : e.pushes) {
        Verdict d =
            new Verdict(
                e,
                p.target(),
                p.to().canonical(),
                PushState.Pending,
                "the push waits for the image's access check: " + may.message());
        d.problem = may.reason();
        out.add(d);
      }
      return out;
    }
    String refusal = may.open() ? access.pushRefusal(e) : may.message();
    if (refusal != null) {
      for (PushRef p : e.pushes) {
        Verdict d = new Verdict(e, p.target(), p.to().canonical(), PushState.Failed, refusal);
        d.problem = may.open() ? Reasons.UNAUTHORIZED : may.reason();
        out.add(d);
      }
      return out;
    }
    for (PushRef p : e.pushes) {
      out.add(plan(e, w, p, answers, book));
    }
    return out;
  }

  private Verdict plan(
      Entry e, Want w, PushRef p, Map<String, RegistryAnswer> answers, ActionBook book) {
    String toC = p.to().canonical();
    PushStatus prev = e.spec.prevPush(e.canonical, toC);
    String reason;
    if (w.pull) {
      reason = "image pulled in this pass";
    } else {
      LocalImage local = w.local;
      Verdict recent = recent(e, p, local);
      if (recent != null) {
        return recent;
      }
      RegistryAnswer a = answers.get(check(e, p).key());
      if (a == null) {
        reason = "target registry not checked";
      } else {
        switch (a.kind()) {
          case FOUND -> {
            boolean same =
                LocalIndex.digests(local, p.to().repository()).contains(a.digest())
                    || (a.imageId() != null && Ids.same(a.imageId(), local.id()))
                    || (prev != null
                        && a.digest().equals(prev.getDigest())
                        && Ids.same(prev.getId(), local.id()));
            if (same) {
              Verdict d = new Verdict(e, p.target(), toC, PushState.Pushed, null);
              d.digest = a.digest();
              d.id = local.id();
              d.lastChecked = now;
              return d;
            }
            reason = "target registry holds " + a.digest() + ", not this image";
          }
          case MISSING -> reason = "not in the target registry";
          default -> reason = "target registry check failed: " + a.error();
        }
      }
    }
    Verdict d = new Verdict(e, p.target(), toC, PushState.Pending, null);
    d.id = w.local == null ? null : w.local.id();
    ActionBook.Chain chain = book.chain(w.canonical);
    LocalImage tl = index.byTag(toC);
    if (w.pull || tl == null || w.local == null || !Ids.same(tl.id(), w.local.id())) {
      String tagKey =
          book.register(
              new PlannedAction(
                  e.spec.key,
                  ActionKind.TAG,
                  w.canonical,
                  toC,
                  "push target",
                  List.of(),
                  new PlannedAction.Details(null, null, null, w.sourceId(), 0, null)));
      if (!chain.tags.contains(tagKey)) {
        chain.pushes.add(tagKey);
      }
      d.tagKey = tagKey;
    }
    String pushKey =
        book.register(
            new PlannedAction(
                e.spec.key,
                ActionKind.PUSH,
                w.canonical,
                toC,
                reason,
                List.of(),
                new PlannedAction.Details(
                    null, e.spec.key.namespace(), secrets(p), w.sourceId(), 0, null)));
    if (!chain.pushes.contains(pushKey)) {
      chain.pushes.add(pushKey);
    }
    d.pushKey = pushKey;
    return d;
  }

  /** A Pushed verdict when the previous status verified this image within the interval. */
  private Verdict recent(Entry e, PushRef p, LocalImage local) {
    String toC = p.to().canonical();
    PushStatus prev = e.spec.prevPush(e.canonical, toC);
    Instant prevChecked = SpecEntries.instant(prev == null ? null : prev.getLastChecked());
    if (prev != null
        && prev.getState() == PushState.Pushed
        && prev.getDigest() != null
        && Ids.same(prev.getId(), local.id())
        && prevChecked != null
        && now.isBefore(prevChecked.plus(e.spec.refresh))) {
      Verdict d = new Verdict(e, p.target(), toC, PushState.Pushed, null);
      d.digest = prev.getDigest();
      d.id = local.id();
      d.lastChecked = prevChecked;
      return d;
    }
    return null;
  }

  private static RegistryCheck check(Entry e, PushRef p) {
    return new RegistryCheck(
        p.to(), e.spec.key.namespace(), secrets(p), RegistryCheck.Purpose.PUSH);
  }

  private static List<String> secrets(PushRef p) {
    String secret = p.target().getCredentialsSecret();
    return secret == null || secret.isEmpty() ? List.of() : List.of(secret);
  }

  /** The verdict on one push target, with the keys of the actions it waits for. */
  static final class Verdict {
    final Entry e;
    final PushTarget target;
    final String toCanonical;
    final PushState state;
    final String message;
    String digest;
    String id;
    Instant lastChecked;
    String tagKey;
    String pushKey;
    String problem;

    private Verdict(
        Entry e, PushTarget target, String toCanonical, PushState state, String message) {
      this.e = e;
      this.target = target;
      this.toCanonical = toCanonical;
      this.state = state;
      this.message = message;
    }

    PushPlan toPlan(ActionBook book) {
      return new PushPlan(
          e.index,
          e.e.getImage(),
          target == null ? null : target.getTo(),
          toCanonical,
          state,
          digest,
          id,
          message,
          lastChecked,
          book.get(tagKey),
          book.get(pushKey),
          problem);
    }
  }
}
