package dev.imagespec.reconcile;

import dev.imagespec.engine.ApiException;
import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.SpecKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One reconcile pass over any number of specs: list images (one engine call) → registry digest
 * lookups the planner asks for → list containers only if a remove or prune needs them → plan →
 * execute (unless dry run) with bounded parallelism and retries → new statuses.
 *
 * <p>Every spec is someone towards a registry ({@link CredentialIdentities}, from the credentials
 * its Secrets give): an image another identity's credentials brought counts for a spec only once
 * the registry answered an access check with the spec's credentials. Answers and own pulls are kept
 * in {@link AccessProofs}, so a converged pass asks again only when a spec's {@code
 * refreshInterval} elapsed. With a {@link SharedAccess} ({@link #withSharedAccess}) access checks
 * are first put to it: its answers stand for the registry's, and a pending one makes the entry
 * wait.
 *
 * <p>A converged state makes no mutating call. Errors of single actions end up in the outcomes and
 * statuses; only a failure to list images or containers (after retries) is thrown.
 */
public final class Reconciler {
  private final ImagePort port;
  private final CredentialResolver credentials;
  private final ReconcileOptions options;
  private final Function<PlanInput, Planner.Pass> planners;
  private final AccessProofs proofs;
  private final SharedAccess shared;
  private final PullHolds holds;
  private final ActionProgress progress;

  /** With access proofs of its own, kept across the passes of this reconciler. */
  public Reconciler(ImagePort port, CredentialResolver credentials, ReconcileOptions options) {
    this(port, credentials, options, new AccessProofs());
  }

  /**
   * With {@code proofs} shared across passes (and reconcilers): a front end keeps one for its
   * process.
   */
  public Reconciler(
      ImagePort port,
      CredentialResolver credentials,
      ReconcileOptions options,
      AccessProofs proofs) {
    this(
        port,
        credentials,
        options,
        Planner::pass,
        proofs,
        SharedAccess.none(),
        PullHolds.none(),
        ActionProgress.NONE);
  }

  /** With the planner pass of each reconcile pass made by {@code planners} (tests count them). */
  Reconciler(
      ImagePort port,
      CredentialResolver credentials,
      ReconcileOptions options,
      Function<PlanInput, Planner.Pass> planners) {
    this(
        port,
        credentials,
        options,
        planners,
        new AccessProofs(),
        SharedAccess.none(),
        PullHolds.none(),
        ActionProgress.NONE);
  }

  private Reconciler(
      ImagePort port,
      CredentialResolver credentials,
      ReconcileOptions options,
      Function<PlanInput, Planner.Pass> planners,
      AccessProofs proofs,
      SharedAccess shared,
      PullHolds holds,
      ActionProgress progress) {
    this.port = port;
    this.credentials = credentials == null ? CredentialResolver.none() : credentials;
    this.options = options == null ? ReconcileOptions.defaults() : options;
    this.planners = planners;
    this.proofs = proofs == null ? new AccessProofs() : proofs;
    this.shared = shared == null ? SharedAccess.none() : shared;
    this.holds = holds == null ? PullHolds.none() : holds;
    this.progress = progress == null ? ActionProgress.NONE : progress;
  }

  /**
   * A copy of this reconciler (same port, credentials, options, proofs) that puts access checks to
   * {@code shared} before the registry; answers from it are not recorded as proofs.
   */
  public Reconciler withSharedAccess(SharedAccess shared) {
    return new Reconciler(port, credentials, options, planners, proofs, shared, holds, progress);
  }

  /** A copy of this reconciler whose passes hold back the pulls {@code holds} names. */
  public Reconciler withPullHolds(PullHolds holds) {
    return new Reconciler(port, credentials, options, planners, proofs, shared, holds, progress);
  }

  /**
   * A copy of this reconciler whose passes tell {@code progress} about each action as it runs (a
   * front end's live display).
   */
  public Reconciler withProgress(ActionProgress progress) {
    return new Reconciler(port, credentials, options, planners, proofs, shared, holds, progress);
  }

  public ReconcileOptions options() {
    return options;
  }

  /** A pass where each spec's previous status is its own {@code getStatus()}. */
  public ReconcileResult reconcile(List<ImageSpec> specs) {
    return reconcile(specs, Map.of());
  }

  /**
   * A pass.
   *
   * @param previous previous status per spec (for lastChecked, pushed digests and condition times);
   *     specs missing here use their own {@code getStatus()}
   * @throws dev.imagespec.engine.EngineException when the image or container list cannot be read
   */
  public ReconcileResult reconcile(List<ImageSpec> specs, Map<SpecKey, ImageSpecStatus> previous) {
    CountingImagePort counting = new CountingImagePort(port);
    Retrier retrier = new Retrier(options.retry(), options.sleeper());
    Instant now = options.clock().instant();

    List<LocalImage> images = retrier.callOrThrow(counting::listImages);
    CredentialIdentities identities = CredentialIdentities.of(credentials);
    PlanInput input =
        new PlanInput(
            specs,
            images,
            null,
            previous,
            null,
            options.pruneNow(),
            options.pruneAll(),
            now,
            options.defaultRefreshInterval(),
            identities,
            proofs,
            holds);

    Planner.Pass pass = planners.apply(input);
    List<RegistryCheck> checks = pass.registryChecks();
    Map<String, RegistryAnswer> answers =
        checks.isEmpty() ? Map.of() : lookUp(checks, counting, retrier, identities, now);
    List<ContainerRef> containers =
        pass.needsContainers() ? retrier.callOrThrow(counting::listContainers) : null;
    Plan plan = pass.plan(answers, containers);

    Map<String, ActionOutcome> outcomes =
        options.dryRun()
            ? Map.of()
            : new Executor(
                    counting,
                    credentials,
                    retrier,
                    options.parallelism(),
                    options.timeouts(),
                    progress)
                .execute(plan);
    recordPulls(plan, outcomes, identities, now);
    List<ActionOutcome> ordered = new ArrayList<>();
    for (PlannedAction a : plan.actions()) {
      ActionOutcome o = outcomes.get(a.key());
      if (o != null) {
        ordered.add(o);
      }
    }
    return new ReconcileResult(
        plan,
        ordered,
        StatusBuilder.build(plan, outcomes, !options.dryRun()),
        counting.calls(),
        options.dryRun());
  }

  /** Only the plan (as {@code dryRun}), whatever the options say. */
  public Plan plan(List<ImageSpec> specs, Map<SpecKey, ImageSpecStatus> previous) {
    return new Reconciler(
            port, credentials, options.withDryRun(true), planners, proofs, shared, holds, progress)
        .reconcile(specs, previous)
        .plan();
  }

  /**
   * Answers the checks in three rounds: the pull and push lookups, then the anonymous access
   * checks, then the others, skipping (as found) images anonymous access was just shown for. An
   * access check the {@link SharedAccess} answers goes to no registry.
   */
  private Map<String, RegistryAnswer> lookUp(
      List<RegistryCheck> checks,
      ImagePort counting,
      Retrier retrier,
      CredentialIdentities identities,
      Instant now) {
    Map<String, RegistryAnswer> answers = new ConcurrentHashMap<>();
    List<RegistryCheck> lookups = new ArrayList<>();
    List<RegistryCheck> anonymous = new ArrayList<>();
    List<RegistryCheck> others = new ArrayList<>();
    for (RegistryCheck c : checks) {
      if (c.purpose() != RegistryCheck.Purpose.ACCESS) {
        lookups.add(c);
      } else if (CredentialIdentities.ANONYMOUS.equals(c.identity())) {
        anonymous.add(c);
      } else {
        others.add(c);
      }
    }
    for (List<RegistryCheck> round : List.of(lookups, anonymous, others)) {
      List<Runnable> tasks = new ArrayList<>();
      for (RegistryCheck c : round) {
        RegistryAnswer anyone =
            c.purpose() == RegistryCheck.Purpose.ACCESS
                ? answers.get(
                    RegistryCheck.accessKey(
                        CredentialIdentities.ANONYMOUS, c.reference().canonical()))
                : null;
        Optional<RegistryAnswer> given =
            anyone != null && anyone.kind() == RegistryAnswer.Kind.FOUND
                ? Optional.of(anyone)
                : c.purpose() == RegistryCheck.Purpose.ACCESS ? shared(c) : Optional.empty();
        if (given.isPresent()) {
          answers.put(c.key(), given.get());
        } else {
          tasks.add(() -> answers.put(c.key(), lookUp(c, counting, retrier, identities, now)));
        }
      }
      Executor.runAll(tasks, options.parallelism(), "imagespec-registry");
    }
    return answers;
  }

  /** The shared answer to an access check; one that cannot be read is an error answer. */
  private Optional<RegistryAnswer> shared(RegistryCheck c) {
    try {
      Optional<RegistryAnswer> a = shared.answer(c);
      return a == null ? Optional.empty() : a;
    } catch (RuntimeException e) {
      return Optional.of(
          RegistryAnswer.error(
              "cannot read the shared access verdict: "
                  + ErrorMessages.of(e)
                  + "; the next pass asks again"));
    }
  }

  /** Pulls prove access for the identity whose credentials made them. */
  private void recordPulls(
      Plan plan,
      Map<String, ActionOutcome> outcomes,
      CredentialIdentities identities,
      Instant now) {
    for (PlannedAction a : plan.actions()) {
      ActionOutcome o = outcomes.get(a.key());
      if (a.kind() != ActionKind.PULL || o == null || !o.succeeded() || o.image() == null) {
        continue;
      }
      ImageReference ref = LocalIndex.parse(a.image());
      if (ref == null) {
        continue;
      }
      String identity =
          identities.of(a.details().namespace(), a.details().secretNames(), ref.domain());
      List<String> digests =
          ref.hasDigest()
              ? List.of(ref.digest().get())
              : LocalIndex.digests(o.image(), ref.repository());
      for (String d : digests) {
        proofs.record(identity, ref.repository() + "@" + d, now);
      }
    }
  }

  private RegistryAnswer lookUp(
      RegistryCheck c,
      ImagePort counting,
      Retrier retrier,
      CredentialIdentities identities,
      Instant now) {
    AuthConfig auth;
    try {
      auth =
          credentials
              .forRegistry(c.namespace(), c.secretNames(), c.reference().domain())
              .orElse(null);
    } catch (RuntimeException e) {
      return RegistryAnswer.error("cannot resolve credentials: " + ErrorMessages.of(e));
    }
    Retrier.Result<Optional<String>> r =
        retrier.call(() -> counting.registryDigest(c.reference(), auth));
    if (!r.ok()) {
      if (c.purpose() == RegistryCheck.Purpose.ACCESS
          && r.error() instanceof ApiException api
          && (api.status() == 401 || api.status() == 403)) {
        return RegistryAnswer.denied(ErrorMessages.of(r.error()));
      }
      return RegistryAnswer.error(ErrorMessages.of(r.error()));
    }
    if (r.value() == null || r.value().isEmpty()) {
      return RegistryAnswer.missing();
    }
    if (c.purpose() != RegistryCheck.Purpose.PUSH) {
      // the registry showed this digest to these credentials: access is proven
      String identity =
          c.purpose() == RegistryCheck.Purpose.ACCESS
              ? c.identity()
              : identities.of(c.namespace(), c.secretNames(), c.reference().domain());
      proofs.record(identity, c.reference().repository() + "@" + r.value().get(), now);
    }
    if (c.purpose() == RegistryCheck.Purpose.PUSH) {
      // A push target may hold this very image under another manifest digest (the pusher
      // compressed differently): its image ID tells. Unknown IDs just mean "push".
      Retrier.Result<Optional<String>> id =
          retrier.call(() -> counting.registryImageId(c.reference(), auth));
      if (id.ok() && id.value() != null && id.value().isPresent()) {
        return RegistryAnswer.found(r.value().get(), id.value().get());
      }
    }
    return RegistryAnswer.found(r.value().get());
  }
}
