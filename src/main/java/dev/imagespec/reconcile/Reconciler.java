package dev.imagespec.reconcile;

import dev.imagespec.engine.AuthConfig;
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
 * <p>A converged state makes no mutating call. Errors of single actions end up in the outcomes and
 * statuses; only a failure to list images or containers (after retries) is thrown.
 */
public final class Reconciler {
  private final ImagePort port;
  private final CredentialResolver credentials;
  private final ReconcileOptions options;
  private final Function<PlanInput, Planner.Pass> planners;

  public Reconciler(ImagePort port, CredentialResolver credentials, ReconcileOptions options) {
    this(port, credentials, options, Planner::pass);
  }

  /** With the planner pass of each reconcile pass made by {@code planners} (tests count them). */
  Reconciler(
      ImagePort port,
      CredentialResolver credentials,
      ReconcileOptions options,
      Function<PlanInput, Planner.Pass> planners) {
    this.port = port;
    this.credentials = credentials == null ? CredentialResolver.none() : credentials;
    this.options = options == null ? ReconcileOptions.defaults() : options;
    this.planners = planners;
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
            options.defaultRefreshInterval());

    Planner.Pass pass = planners.apply(input);
    List<RegistryCheck> checks = pass.registryChecks();
    Map<String, RegistryAnswer> answers =
        checks.isEmpty() ? Map.of() : lookUp(checks, counting, retrier);
    List<ContainerRef> containers =
        pass.needsContainers() ? retrier.callOrThrow(counting::listContainers) : null;
    Plan plan = pass.plan(answers, containers);

    Map<String, ActionOutcome> outcomes =
        options.dryRun()
            ? Map.of()
            : new Executor(counting, credentials, retrier, options.parallelism()).execute(plan);
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
    return new Reconciler(port, credentials, options.withDryRun(true), planners)
        .reconcile(specs, previous)
        .plan();
  }

  private Map<String, RegistryAnswer> lookUp(
      List<RegistryCheck> checks, ImagePort counting, Retrier retrier) {
    Map<String, RegistryAnswer> answers = new ConcurrentHashMap<>();
    List<Runnable> tasks = new ArrayList<>();
    for (RegistryCheck c : checks) {
      tasks.add(() -> answers.put(c.key(), lookUp(c, counting, retrier)));
    }
    Executor.runAll(tasks, options.parallelism(), "imagespec-registry");
    return answers;
  }

  private RegistryAnswer lookUp(RegistryCheck c, ImagePort counting, Retrier retrier) {
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
      return RegistryAnswer.error(ErrorMessages.of(r.error()));
    }
    if (r.value() == null || r.value().isEmpty()) {
      return RegistryAnswer.missing();
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
