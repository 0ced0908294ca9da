package dev.imagespec.reconcile;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.reconcile.PullDecisions.Want;
import dev.imagespec.reconcile.SpecEntries.Entry;
import dev.imagespec.spec.Ensure;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Planner step 4: may an entry count a present image as its own (Present, tags, pushes)? Only when
 * its spec's credentials can read the image. An image pulled in this pass with the entry's own
 * credential identity is proof; an image that came from a registry otherwise needs an access check
 * (a manifest HEAD of {@code repository@digest} with the entry's credentials), unless {@link
 * AccessProofs} holds a proof younger than the spec's {@code refreshInterval}; anonymous access
 * proves it for everyone. An image with no registry digest (built or loaded here, or Podman's
 * {@code localhost/}), or whose digest its registry answers "no such manifest" to every identity
 * asking, counts for every spec, but only the namespace that declared it first may push it.
 *
 * <p>A {@link RegistryAnswer.Kind#PENDING} answer (a {@link SharedAccess} verdict not made yet)
 * makes the entry wait: {@link Kind#PENDING}, neither counted nor failed. While one is pending, the
 * image is not taken for local-only, and entries answered "no such manifest" wait with it.
 *
 * <p>Without {@link PlanInput#identities()} every entry is open (one tenant, no checks).
 */
final class AccessVerdicts {
  /** What an entry may do with the image. */
  enum Kind {
    /** Count it, tag it, push it. */
    OPEN,
    /** The registry denied or does not show the image to the entry's credentials. */
    UNAUTHORIZED,
    /** The registry could not be asked. */
    UNVERIFIED,
    /** The access check is made elsewhere and not answered yet: wait, no tag, no push. */
    PENDING
  }

  /** The verdict on one entry, with the message for the failed ones. */
  record Access(Kind kind, String message) {
    static final Access OPEN = new Access(Kind.OPEN, null);

    boolean open() {
      return kind == Kind.OPEN;
    }

    String reason() {
      return switch (kind) {
        case UNAUTHORIZED -> Reasons.UNAUTHORIZED;
        case PENDING -> Reasons.ACCESS_PENDING;
        default -> Reasons.REGISTRY_CHECK_FAILED;
      };
    }
  }

  private final PullDecisions pulls;
  private final boolean enforced;
  private final List<Entry> entries = new ArrayList<>();
  private final Map<Want, ImageReference> accessRefs = new HashMap<>();
  private final Map<Want, String> firstNamespace = new HashMap<>();
  private final java.util.Set<Want> localOnly = new java.util.HashSet<>();

  /** Wants whose local-only question waits for a pending access check. */
  private final java.util.Set<Want> undecided = new java.util.HashSet<>();

  private final Map<Entry, Boolean> cached = new HashMap<>();
  private final Map<Entry, Access> verdicts = new HashMap<>();

  AccessVerdicts(
      SpecEntries specs,
      Conflicts conflicts,
      PullDecisions pulls,
      CredentialIdentities identities,
      AccessProofs proofs,
      Instant now) {
    this.pulls = pulls;
    this.enforced = identities != null;
    for (Entry e : specs.entries()) {
      if (conflicts.clear(e) && e.ensure == Ensure.Present && !pulls.of(e).failedNever) {
        entries.add(e);
      }
    }
    for (Want w : pulls.wants()) {
      if (w.failedNever) {
        continue;
      }
      ImageReference digestRef = registryDigest(w);
      accessRefs.put(
          w, digestRef != null ? digestRef : w.local == null || pulls.mayRefresh(w) ? w.ref : null);
      if (w.local != null) {
        firstNamespace.put(w, firstDeclaring(w));
        if (digestRef == null) {
          localOnly.add(w);
        }
      }
    }
    for (Entry e : entries) {
      ImageReference ref = accessRefs.get(pulls.of(e));
      cached.put(
          e,
          enforced
              && ref != null
              && ref.hasDigest()
              && proofs.proven(pulls.identity(e), proofKey(ref), now, e.spec.refresh));
    }
  }

  /** Access checks the verdicts need: entries not proven by a pull of their own or a proof. */
  List<RegistryCheck> checks() {
    List<RegistryCheck> out = new ArrayList<>();
    if (!enforced) {
      return out;
    }
    for (Entry e : entries) {
      Want w = pulls.of(e);
      ImageReference ref = accessRefs.get(w);
      if (ref == null || cached.get(e)) {
        continue;
      }
      if ((w.local == null || pulls.mayRefresh(w)) && ownPull(e, w)) {
        continue; // the pull, or the refresh's lookup with the same credentials, shows it
      }
      out.add(
          RegistryCheck.access(
              ref, e.spec.key.namespace(), e.spec.pullSecrets(), pulls.identity(e)));
    }
    return out;
  }

  /** Decides every entry once the pulls are decided, with the registry's answers. */
  void decide(Map<String, RegistryAnswer> answers) {
    if (enforced) {
      for (Want w : pulls.wants()) {
        Boolean notHeld = w.pull ? Boolean.FALSE : notHeld(w, answers);
        if (notHeld == null) {
          undecided.add(w);
        } else if (notHeld) {
          localOnly.add(w);
        }
      }
    }
    for (Entry e : entries) {
      verdicts.put(e, enforced ? decide(e, answers) : Access.OPEN);
    }
  }

  /**
   * True when every access check of the want's local digest (or the refresh lookup standing in for
   * one) was answered "no such manifest" and no identity was shown it: the registry does not hold
   * it, the image was made here (Podman gives images it imports or builds a digest for each name).
   * Null (undecided) when the other answers are "no such manifest" but one is pending: a pending
   * identity might be shown the image.
   */
  private Boolean notHeld(Want w, Map<String, RegistryAnswer> answers) {
    ImageReference ref = accessRefs.get(w);
    if (w.local == null || ref == null || !ref.hasDigest() || localOnly.contains(w)) {
      return false;
    }
    boolean missing = false;
    boolean pending = false;
    for (Entry e : w.entries) {
      if (Boolean.TRUE.equals(cached.get(e))) {
        return false;
      }
      // entries whose refresh lookup stands in for their access check: its answer on the tag
      RegistryAnswer a =
          pulls.mayRefresh(w) && ownPull(e, w)
              ? answers.get(w.ref.canonical())
              : answers.get(RegistryCheck.accessKey(pulls.identity(e), ref.canonical()));
      if (a == null) {
        continue;
      }
      if (a.kind() == RegistryAnswer.Kind.PENDING) {
        pending = true;
        continue;
      }
      if (a.kind() != RegistryAnswer.Kind.MISSING) {
        return false;
      }
      missing = true;
    }
    return missing && pending ? null : missing;
  }

  /** The verdict on a planned Present entry (open for the others). */
  Access of(Entry e) {
    return verdicts.getOrDefault(e, Access.OPEN);
  }

  /**
   * Why the entry may not push its image, or null: the image exists only here and another namespace
   * declared it first.
   */
  String pushRefusal(Entry e) {
    Want w = pulls.of(e);
    String first = w == null || w.pull || !localOnly.contains(w) ? null : firstNamespace.get(w);
    if (!enforced || first == null || first.equals(e.spec.key.namespace())) {
      return null;
    }
    return "image "
        + w.canonical
        + " exists only locally (built or loaded, no registry digest) and another namespace"
        + " declared it first; only that namespace may push it";
  }

  private Access decide(Entry e, Map<String, RegistryAnswer> answers) {
    Want w = pulls.of(e);
    if (w.held != null) {
      return Access.OPEN; // nothing is pulled or counted in this pass: nothing to verify
    }
    if (w.pull && ownPull(e, w)) {
      return Access.OPEN;
    }
    ImageReference ref = accessRefs.get(w);
    if (!w.pull && localOnly.contains(w)) {
      return Access.OPEN; // local only: no registry holds it
    }
    if (pulls.mayRefresh(w) && ownPull(e, w)) {
      // the refresh asked for the tag with these credentials and kept the local digest
      return answered(w.ref, answers.get(w.ref.canonical()));
    }
    if (ref == null) {
      return new Access(
          Kind.UNVERIFIED,
          "access to " + w.canonical + " was not checked with its registry; the next pass will");
    }
    if (cached.get(e)) {
      return Access.OPEN;
    }
    RegistryAnswer mine = answers.get(RegistryCheck.accessKey(pulls.identity(e), ref.canonical()));
    RegistryAnswer anyone =
        answers.get(RegistryCheck.accessKey(CredentialIdentities.ANONYMOUS, ref.canonical()));
    if (found(mine) || found(anyone)) {
      return Access.OPEN;
    }
    if (mine != null && mine.kind() == RegistryAnswer.Kind.MISSING && undecided.contains(w)) {
      return new Access(
          Kind.PENDING,
          "registry "
              + ref.domain()
              + " does not serve "
              + ref.canonical()
              + " to this spec's credentials; whether it holds the image at all (or the image was"
              + " made on this machine) waits for the access check of another spec");
    }
    return answered(ref, mine);
  }

  private static Access answered(ImageReference ref, RegistryAnswer mine) {
    String domain = ref.domain();
    if (mine == null) {
      return new Access(
          Kind.UNVERIFIED,
          "access to " + ref.canonical() + " was not checked with registry " + domain);
    }
    return switch (mine.kind()) {
      case FOUND -> Access.OPEN;
      case DENIED ->
          new Access(
              Kind.UNAUTHORIZED,
              "registry "
                  + domain
                  + " refused this spec's credentials for "
                  + ref.canonical()
                  + ": the image is on this machine, but this spec may not read it, so it is"
                  + " neither counted, tagged nor pushed; give the spec a pull secret that can"
                  + " read it");
      case MISSING ->
          new Access(
              Kind.UNAUTHORIZED,
              "registry "
                  + domain
                  + " does not serve "
                  + ref.canonical()
                  + " to this spec's credentials, so its access to the image on this machine"
                  + " cannot be shown; it is neither counted, tagged nor pushed");
      case PENDING ->
          new Access(
              Kind.PENDING,
              "waiting for the access check of "
                  + ref.canonical()
                  + " with this spec's credentials (another spec's credentials brought the"
                  + " image); "
                  + (mine.error() != null
                      ? mine.error()
                      : "it is made once for the cluster, not on this machine"));
      default ->
          new Access(
              Kind.UNVERIFIED,
              "could not verify with registry "
                  + domain
                  + " that this spec's credentials can read "
                  + ref.canonical()
                  + ": "
                  + mine.error()
                  + "; no tag or push until it can");
    };
  }

  /**
   * The digest whose access an entry waits for or was refused ({@code sha256:...}), or null when
   * there is none.
   */
  String accessDigest(Entry e) {
    ImageReference ref = accessRefs.get(pulls.of(e));
    return ref == null ? null : ref.digest().orElse(null);
  }

  private boolean ownPull(Entry e, Want w) {
    return pulls.identity(e).equals(pulls.identity(pulls.credentialOwner(w)));
  }

  private static boolean found(RegistryAnswer a) {
    return a != null && a.kind() == RegistryAnswer.Kind.FOUND;
  }

  /** {@code repository@digest} of a local image that came from the entry's registry, or null. */
  private static ImageReference registryDigest(Want w) {
    if (w.local == null || "localhost".equals(w.ref.domain())) {
      return null; // missing, or Podman's name for images built or loaded here
    }
    if (w.ref.hasDigest()) {
      return w.ref;
    }
    List<String> digests = LocalIndex.digests(w.local, w.ref.repository());
    return digests.isEmpty()
        ? null
        : ImageReference.parse(w.ref.repository() + "@" + digests.get(0));
  }

  /** The namespace of the oldest spec declaring the want (ties: namespace, then name). */
  private static String firstDeclaring(Want w) {
    return w.entries.stream()
        .map(e -> e.spec)
        .min(
            Comparator.comparing(
                    (SpecEntries.Spec s) -> {
                      Instant t =
                          SpecEntries.instant(
                              s.spec.getMetadata() == null
                                  ? null
                                  : s.spec.getMetadata().getCreationTimestamp());
                      return t == null ? Instant.MAX : t;
                    })
                .thenComparing(s -> s.key))
        .map(s -> s.key.namespace())
        .orElse(null);
  }

  /** The key of a proof: {@code repository@digest}. */
  static String proofKey(ImageReference digestRef) {
    return digestRef.repository() + "@" + digestRef.digest().orElseThrow();
  }
}
