package dev.imagespec.reconcile;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.reconcile.SpecEntries.Entry;
import dev.imagespec.spec.Ensure;
import dev.imagespec.spec.PullPolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Planner step 3: per image that entries want Present (entries of several specs share one {@link
 * Want}), whether to pull it: it is missing, or {@code pullPolicy: Always}, the refresh interval
 * elapsed and the registry's digest moved. Asks the registry only through {@link #checks()} and the
 * answers passed to {@link #decide}.
 */
final class PullDecisions {
  private final Map<String, Want> wants = new LinkedHashMap<>();
  private final Instant now;
  private final CredentialIdentities identities;
  private final PullHolds holds;

  /**
   * @param identities credential identities, or null: then the pull's credentials are those of the
   *     first entry whose spec has pull secrets
   */
  PullDecisions(
      SpecEntries specs,
      Conflicts conflicts,
      LocalIndex index,
      Instant now,
      CredentialIdentities identities,
      PullHolds holds) {
    this.now = now;
    this.identities = identities;
    this.holds = holds == null ? PullHolds.none() : holds;
    for (Entry e : specs.entries()) {
      if (conflicts.clear(e) && e.ensure == Ensure.Present) {
        wants.computeIfAbsent(e.canonical, k -> new Want(e.ref, index.find(e.ref))).entries.add(e);
      }
    }
    for (Want w : wants.values()) {
      w.failedNever =
          w.local == null && w.entries.stream().allMatch(e -> e.policy == PullPolicy.Never);
    }
  }

  /** The want of a planned Present entry. */
  Want of(Entry e) {
    return wants.get(e.canonical);
  }

  /** Registry lookups the decisions need: local, unpinned images due for a refresh. */
  List<RegistryCheck> checks() {
    List<RegistryCheck> out = new ArrayList<>();
    for (Want w : wants.values()) {
      if (w.local != null && !w.ref.hasDigest() && due(w)) {
        out.add(check(w));
      }
    }
    return out;
  }

  /** Decides every want with the registry's answers (missing ones count as "not checked"). */
  void decide(Map<String, RegistryAnswer> answers, ActionBook book) {
    for (Want w : wants.values()) {
      decide(w, answers, book);
    }
  }

  private void decide(Want w, Map<String, RegistryAnswer> answers, ActionBook book) {
    if (w.local == null) {
      if (!w.failedNever) {
        planPull(w, "not present", book);
      }
      return;
    }
    if (w.ref.hasDigest()) {
      w.digest = w.ref.digest().get();
      return;
    }
    List<String> localDigests = LocalIndex.digests(w.local, w.ref.repository());
    w.digest = localDigests.isEmpty() ? null : localDigests.get(0);
    if (!due(w)) {
      return;
    }
    RegistryAnswer a = answers.get(check(w).key());
    if (a == null) {
      return; // not checked (the caller skipped it)
    }
    switch (a.kind()) {
      case FOUND -> {
        w.checked = true;
        if (localDigests.contains(a.digest())) {
          w.digest = a.digest();
        } else {
          planPull(
              w,
              "registry digest moved to "
                  + a.digest()
                  + (w.digest == null ? "" : " (local " + w.digest + ")"),
              book);
        }
      }
      case MISSING -> {
        w.checked = true;
        w.warning =
            "registry has no tag '"
                + w.ref.tag().orElse("latest")
                + "' in "
                + w.ref.repository()
                + "; keeping the local image";
      }
      case ERROR -> w.warning = "registry check failed: " + a.error() + "; keeping the local image";
    }
  }

  /** True when the image is local and unpinned and a registry refresh may pull it again. */
  boolean mayRefresh(Want w) {
    return w.local != null && !w.ref.hasDigest() && due(w);
  }

  private boolean due(Want w) {
    return w.entries.stream().anyMatch(e -> e.policy == PullPolicy.Always && checkDue(e));
  }

  private boolean checkDue(Entry e) {
    Instant last = e.prevLastChecked();
    return last == null || !now.isBefore(last.plus(e.spec.refresh));
  }

  private RegistryCheck check(Want w) {
    Entry creds = credentialOwner(w);
    return new RegistryCheck(
        w.ref, creds.spec.key.namespace(), creds.spec.pullSecrets(), RegistryCheck.Purpose.PULL);
  }

  private void planPull(Want w, String reason, ActionBook book) {
    PullHolds.Hold hold =
        holds.hold(
            w.canonical,
            w.entries.stream()
                .map(e -> e.spec.key)
                .collect(java.util.stream.Collectors.toCollection(java.util.LinkedHashSet::new)),
            w.local == null);
    if (hold != null) {
      w.held = hold;
      return;
    }
    Entry owner = w.entries.get(0);
    Entry creds = credentialOwner(w);
    String platform =
        w.entries.stream()
            .map(e -> e.e.getPlatform())
            .filter(p -> p != null && !p.isEmpty())
            .findFirst()
            .orElse(null);
    var shared =
        w.entries.stream()
            .map(e -> e.spec.key)
            .distinct()
            .filter(k -> !k.equals(owner.spec.key))
            .toList();
    PlannedAction a =
        new PlannedAction(
            owner.spec.key,
            ActionKind.PULL,
            w.canonical,
            null,
            reason,
            shared,
            new PlannedAction.Details(
                platform,
                creds.spec.key.namespace(),
                creds.spec.pullSecrets(),
                null,
                0,
                null,
                // entries sharing the pull: the most generous deadline of them, the executor's
                // default for an entry that sets none
                w.entries.stream()
                    .map(e -> e.pullTimeout)
                    .filter(java.util.Objects::nonNull)
                    .max(java.util.Comparator.naturalOrder())
                    .orElse(null),
                w.entries.stream().anyMatch(e -> e.pullTimeout == null)));
    w.pull = true;
    w.pullKey = book.register(a);
    book.chain(w.canonical).pull = w.pullKey;
  }

  /**
   * The entry whose credentials pull and refresh the image: the first with credentials for its
   * registry (with identities), else the first whose spec has pull secrets, else the first.
   */
  Entry credentialOwner(Want w) {
    List<Entry> entries = w.entries;
    if (identities != null) {
      for (Entry e : entries) {
        if (!CredentialIdentities.ANONYMOUS.equals(identity(e))) {
          return e;
        }
      }
    }
    return entries.stream()
        .filter(e -> !e.spec.pullSecrets().isEmpty())
        .findFirst()
        .orElse(entries.get(0));
  }

  /** The credential identity of an entry towards its image's registry (anonymous without any). */
  String identity(Entry e) {
    return identities == null
        ? CredentialIdentities.ANONYMOUS
        : identities.of(e.spec.key.namespace(), e.spec.pullSecrets(), e.ref.domain());
  }

  /** Every want, in entry order. */
  java.util.Collection<Want> wants() {
    return wants.values();
  }

  /** One image wanted Present, and what was decided for it. */
  static final class Want {
    final ImageReference ref;
    final String canonical;
    final List<Entry> entries = new ArrayList<>();

    /** The local image, or null when missing. */
    final LocalImage local;

    /** Missing, and every entry says {@code pullPolicy: Never}. */
    boolean failedNever;

    boolean pull;

    /** The pull it needs is held back in this pass ({@link PullHolds}), or null. */
    PullHolds.Hold held;

    String pullKey;
    boolean checked;
    String warning;
    String digest;

    private Want(ImageReference ref, LocalImage local) {
      this.ref = ref;
      this.canonical = ref.canonical();
      this.local = local;
    }

    /**
     * The local image ID tags and pushes start from; unknown until the pull when one is planned.
     */
    String sourceId() {
      return pull || local == null ? null : local.id();
    }
  }
}
