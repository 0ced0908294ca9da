package dev.imagespec.operator;

import dev.imagespec.engine.EngineException;
import dev.imagespec.reconcile.AccessProofs;
import dev.imagespec.reconcile.ActionTimeouts;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.ErrorMessages;
import dev.imagespec.reconcile.ImageBackend;
import dev.imagespec.reconcile.ImagePort;
import dev.imagespec.reconcile.PruneSchedule;
import dev.imagespec.reconcile.PullHolds;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.reconcile.ReconcileOptions;
import dev.imagespec.reconcile.ReconcileResult;
import dev.imagespec.reconcile.Reconciler;
import dev.imagespec.reconcile.SecretCredentialResolver;
import dev.imagespec.reconcile.WakeSchedule;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.EngineInfo;
import dev.imagespec.spec.GoDuration;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageNodeStatus;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.SpecKey;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelector;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent's controller. Its primary resource is the node's own {@link ImageNode}; it
 * reconciles when an ImageSpec changes, when the node's labels change, when the engine reports an
 * image event, on refresh intervals and prune schedules, and after failures. Every pass plans all
 * the ImageSpecs that select this node in one {@link Reconciler} pass against the node's engine —
 * the same core as {@code imagespec apply} — and writes what happened into the ImageNode's status.
 */
public final class AgentReconciler
    implements io.javaoperatorsdk.operator.api.reconciler.Reconciler<ImageNode> {
  private static final Logger LOG = LoggerFactory.getLogger(AgentReconciler.class);
  public static final String CONTROLLER = "imagespec-agent";

  /**
   * How the agent runs.
   *
   * @param nodeName the node (and ImageNode) name
   * @param parallelism pulls and pushes at once
   * @param failureRetry when to try again after a pass with failures
   * @param fallbackCredentials credentials when the spec's Secrets have none (e.g. a docker config
   *     mounted into the pod)
   * @param warmTaint the startup taint ({@code NoSchedule}) the {@link WarmGate} removes (null:
   *     {@link WarmGate#DEFAULT_TAINT})
   * @param warmTimeout since the agent started, when the taint goes even if not warm (null: {@link
   *     WarmGate#DEFAULT_TIMEOUT})
   * @param diskHighPercent the disk guard's limit: no pull that would fill the image filesystem
   *     beyond this percent (1..99; 0: {@link DiskGuard#DEFAULT_HIGH_PERCENT})
   * @param imageFs the image filesystem's directory as the agent sees it (null: the directory the
   *     runtime reports)
   * @param timeouts the actions' deadlines (null: {@link ActionTimeouts#DEFAULT})
   */
  public record Settings(
      String nodeName,
      int parallelism,
      Duration failureRetry,
      CredentialResolver fallbackCredentials,
      String warmTaint,
      Duration warmTimeout,
      int diskHighPercent,
      String imageFs,
      ActionTimeouts timeouts) {
    public Settings {
      timeouts = timeouts == null ? ActionTimeouts.DEFAULT : timeouts;
      Objects.requireNonNull(nodeName, "nodeName");
      failureRetry = failureRetry == null ? Duration.ofMinutes(1) : failureRetry;
      fallbackCredentials =
          fallbackCredentials == null ? CredentialResolver.none() : fallbackCredentials;
      warmTaint = warmTaint == null ? WarmGate.DEFAULT_TAINT : warmTaint;
      warmTimeout = warmTimeout == null ? WarmGate.DEFAULT_TIMEOUT : warmTimeout;
      String problem = WarmGate.taintKeyProblem(warmTaint);
      if (problem != null) {
        throw new IllegalArgumentException("warm taint '" + warmTaint + "': " + problem);
      }
      if (warmTimeout.isNegative() || warmTimeout.isZero()) {
        throw new IllegalArgumentException("warm timeout " + warmTimeout + ": must be positive");
      }
      diskHighPercent = diskHighPercent == 0 ? DiskGuard.DEFAULT_HIGH_PERCENT : diskHighPercent;
      String diskProblem = DiskGuard.highPercentProblem(diskHighPercent);
      if (diskProblem != null) {
        throw new IllegalArgumentException(
            "disk high percent " + diskHighPercent + ": " + diskProblem);
      }
      imageFs = imageFs == null || imageFs.isBlank() ? null : imageFs;
    }

    /** The default disk guard. */
    public Settings(
        String nodeName,
        int parallelism,
        Duration failureRetry,
        CredentialResolver fallbackCredentials,
        String warmTaint,
        Duration warmTimeout) {
      this(
          nodeName,
          parallelism,
          failureRetry,
          fallbackCredentials,
          warmTaint,
          warmTimeout,
          0,
          null,
          null);
    }

    /** Default warm taint and timeout. */
    public Settings(
        String nodeName,
        int parallelism,
        Duration failureRetry,
        CredentialResolver fallbackCredentials) {
      this(nodeName, parallelism, failureRetry, fallbackCredentials, null, null);
    }

    /** These settings with another warm taint and timeout (null: the default). */
    public Settings withWarm(String taint, Duration timeout) {
      return new Settings(
          nodeName,
          parallelism,
          failureRetry,
          fallbackCredentials,
          taint,
          timeout,
          diskHighPercent,
          imageFs,
          timeouts);
    }

    /**
     * These settings with another disk guard: its limit (0: the default) and image filesystem
     * (null: the directory the runtime reports).
     */
    public Settings withDiskGuard(int highPercent, String imageFsPath) {
      return new Settings(
          nodeName,
          parallelism,
          failureRetry,
          fallbackCredentials,
          warmTaint,
          warmTimeout,
          highPercent,
          imageFsPath,
          timeouts);
    }

    /** These settings with other action deadlines. */
    public Settings withTimeouts(ActionTimeouts value) {
      return new Settings(
          nodeName,
          parallelism,
          failureRetry,
          fallbackCredentials,
          warmTaint,
          warmTimeout,
          diskHighPercent,
          imageFs,
          value);
    }
  }

  private final Settings settings;
  private final ImageBackend engine;
  private final ImagePort port;
  private final KubernetesClient client;
  private final Metrics metrics;
  private final EventRecorder events;
  private final SpecSecrets secrets;
  private final PassEvents passEvents;
  private final WakeSchedule wakes;
  private final Clock clock = Clock.systemUTC();
  private final WarmGate warmGate;

  /** Access the registries showed to the specs' credentials, kept for the agent's process. */
  private final AccessProofs proofs = new AccessProofs();

  /**
   * How long an entry waits for the aggregator's access verdict ({@link ClusterAccess}) before the
   * agent asks the registry itself.
   */
  static final Duration ACCESS_WAIT = Duration.ofMinutes(1);

  /** Since when this agent waits for the aggregator's verdict, by credentials and image. */
  private final Map<String, Instant> accessWaits = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Canonical references and image IDs this agent removed itself (Absent entries, removal specs,
   * prunes) within the last hour: their absence is no external removal.
   */
  private final Map<String, Instant> removedByAgent =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Passes in a row with failed actions (the failure retry's backoff). */
  private final java.util.concurrent.atomic.AtomicInteger failedPasses =
      new java.util.concurrent.atomic.AtomicInteger();

  /**
   * Remove specs deleted before this node reported them: their images are this agent's to remove.
   */
  private final ReleasedSpecs released = new ReleasedSpecs();

  private final ResourceID primaryId;
  private volatile EngineInfo engineInfo;
  private volatile String engineProblem = "no pass yet";
  private InformerEventSource<ImageSpec, ImageNode> specs;
  private InformerEventSource<Node, ImageNode> nodes;
  private EngineEventSource engineEvents;

  public AgentReconciler(
      Settings settings,
      ImageBackend engine,
      ImagePort port,
      KubernetesClient client,
      Metrics metrics,
      EventRecorder events) {
    this.settings = settings;
    this.engine = engine;
    this.port = port;
    this.client = client;
    this.metrics = metrics;
    this.events = events;
    this.primaryId = new ResourceID(settings.nodeName());
    this.secrets = new SpecSecrets(client);
    this.passEvents = new PassEvents(settings.nodeName(), metrics, events);
    this.wakes =
        new WakeSchedule(
            ReconcileOptions.defaults().defaultRefreshInterval(), settings.failureRetry());
    this.warmGate =
        new WarmGate(
            client,
            settings.nodeName(),
            settings.warmTaint(),
            settings.warmTimeout(),
            events,
            clock.instant());
  }

  /**
   * The status a pass computed but could not write (the API server unreachable): the next pass
   * starts from it rather than from the older one on the server, so that what happened meanwhile
   * (e.g. an image removed behind the agent's back) is still reported once the write succeeds.
   */
  private volatile ImageNodeStatus unwritten;

  private ImageNode withUnwritten(ImageNode primary) {
    ImageNodeStatus pending = unwritten;
    if (pending == null) {
      return primary;
    }
    ImageNode node = new ImageNode();
    node.setMetadata(primary.getMetadata());
    node.setSpec(primary.getSpec());
    node.setStatus(pending);
    return node;
  }

  private void write(Context<ImageNode> context, ImageNode primary, ImageNodeStatus status) {
    try {
      StatusPatch.write(context, primary, status);
      unwritten = null;
    } catch (StatusPatch.StaleStatusException e) {
      unwritten = null; // a newer status on the server: the next pass starts from it
      throw e;
    } catch (KubernetesClientException e) {
      if (ApiServerContact.unreachable(e)) {
        unwritten = status;
      }
      throw e;
    }
  }

  /** Null when the last pass reached the engine, else why not (for {@code /readyz}). */
  public String engineProblem() {
    return engineProblem;
  }

  @Override
  public List<EventSource<?, ImageNode>> prepareEventSources(EventSourceContext<ImageNode> ctx) {
    specs =
        new InformerEventSource<ImageSpec, ImageNode>(
            InformerEventSourceConfiguration.from(ImageSpec.class, ImageNode.class)
                .withName("imagespecs")
                .withSecondaryToPrimaryMapper(s -> Set.of(primaryId))
                .withWatchAllNamespaces()
                // the aggregator writes the specs' status: only spec, deletion and access verdicts
                // matter
                .withOnUpdateFilter(
                    (s, old) ->
                        !Objects.equals(s.getSpec(), old.getSpec())
                            || !Objects.equals(
                                s.getMetadata().getDeletionTimestamp(),
                                old.getMetadata().getDeletionTimestamp())
                            || !Objects.equals(
                                s.getMetadata().getFinalizers(), old.getMetadata().getFinalizers())
                            // a new or changed access verdict answers this agent's waiting checks
                            // (a re-check that only moves lastChecked wakes nobody)
                            || !Objects.equals(access(s), access(old))
                            // a permit for this node lets it pull (others' permits do not matter)
                            || permitted(s) != permitted(old))
                .build(),
            ctx) {
          // every version, also those the filter drops: was the aggregator's finalizer on it?
          @Override
          public void onAdd(ImageSpec s) {
            released.seen(s);
            super.onAdd(s);
          }

          @Override
          public void onUpdate(ImageSpec old, ImageSpec s) {
            released.seen(s);
            super.onUpdate(old, s);
          }

          @Override
          public void onDelete(ImageSpec s, boolean finalStateUnknown) {
            released.deleted(s);
            super.onDelete(s, finalStateUnknown);
          }
        };
    nodes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Node.class, ImageNode.class)
                .withName("node")
                .withFieldSelector(
                    new FieldSelector(
                        new FieldSelector.Field("metadata.name", settings.nodeName())))
                .withSecondaryToPrimaryMapper(n -> Set.of(primaryId))
                // heartbeats update the Node every few seconds: only labels matter here
                .withOnUpdateFilter(
                    (n, old) ->
                        !Objects.equals(n.getMetadata().getLabels(), old.getMetadata().getLabels()))
                .build(),
            ctx);
    engineEvents = new EngineEventSource(engine, primaryId, metrics);
    return List.of(specs, nodes, engineEvents);
  }

  @Override
  public UpdateControl<ImageNode> reconcile(ImageNode primary, Context<ImageNode> context) {
    long start = System.nanoTime();
    ImageNode node = withUnwritten(primary);
    try {
      Instant now = clock.instant();
      Map<String, String> labels =
          nodes
              .get(primaryId)
              .map(n -> n.getMetadata().getLabels())
              .orElseGet(
                  () -> {
                    LOG.warn("node {} not found: no node labels to match", settings.nodeName());
                    return Map.of();
                  });
      List<ImageSpec> matching =
          specs
              .list(s -> s.getSpec() != null && Selectors.matches(AgentPass.selector(s), labels))
              .sorted(Comparator.comparing(SpecKey::of))
              .toList();
      AgentPass pass = AgentPass.plan(node, matching, released.toRemove());
      released.applying(pass);
      removedByAgent.values().removeIf(t -> t.isBefore(now.minus(ExternalRemovals.WINDOW)));
      ExternalRemovals removals =
          new ExternalRemovals(settings.nodeName(), node.getStatus(), removedByAgent.keySet(), now);
      ReconcileOptions options =
          ReconcileOptions.defaults()
              .withParallelism(settings.parallelism())
              .withTimeouts(settings.timeouts())
              // A spec the validator rejects is not planned, so its images would not be protected
              // from another spec's prune: no prune on this node until every spec is valid.
              .withPruneNow(
                  pass.invalid.isEmpty()
                      ? PruneSchedule.due(pass.live, pass.previous, now)
                      : java.util.Set.of());
      List<Secret> passSecrets = secrets.of(pass.planned);
      CredentialResolver credentials =
          SecretCredentialResolver.withFallback(passSecrets, settings.fallbackCredentials());
      accessWaits.values().removeIf(t -> t.isBefore(now.minus(Duration.ofHours(1))));
      StatusAccess shared =
          new StatusAccess(
              pass.live,
              passSecrets,
              settings.fallbackCredentials(),
              accessWaits,
              now,
              ACCESS_WAIT);
      ReconcileResult result =
          new Reconciler(port, credentials, options, proofs)
              .withSharedAccess(shared)
              // GC backoff (a failure) before the rollout throttle (a wait)
              .withPullHolds(
                  PullHolds.firstOf(removals, RolloutPermits.holds(pass.live, settings.nodeName())))
              .reconcile(pass.planned, pass.previous);
      EngineInfo info = engineInfo();
      engineProblem = null;
      passEvents.record(result, pass);
      rememberRemovals(result, now);
      released.removed(pass, result.statuses());
      ImageNodeStatus status =
          NodeStatusBuilder.build(node, pass, result, info, options.pruneNow(), now);
      removals.annotate(status, node.getStatus());
      passEvents.removedExternally(primary, pass, removals, status);
      status.setPinning(
          NodePins.apply(
              engine,
              NodePins.wanted(pass.live, result),
              node.getStatus() == null ? null : node.getStatus().getPinning()));
      if (warmGate.warming(nodes.get(primaryId).orElse(null))) {
        status.setWarming(true); // the aggregator gives this node rollout permits first
      }
      // failed passes in a row back the retry off (a registry or engine that keeps failing); not
      // while a deleted spec's images are removed: lastRemovalAttempt must keep moving within the
      // aggregator's --finalizer-timeout
      int failedInARow = 0;
      if (result.failures().isEmpty() || !pass.removing.isEmpty()) {
        failedPasses.set(0);
      } else {
        failedInARow = failedPasses.incrementAndGet();
      }
      Duration next =
          wakes
              .backedOff(failedInARow)
              .next(
                  pass.live,
                  result.statuses(),
                  !result.failures().isEmpty()
                      || status.isDegraded()
                      || !pass.removing.isEmpty()
                      || !pass.released.isEmpty(),
                  now);
      if (shared.waited() && (next == null || next.compareTo(ACCESS_WAIT) > 0)) {
        next = ACCESS_WAIT; // the aggregator's verdict wakes the pass; this is the fallback
      }
      Duration holdEnds = removals.nextWake().orElse(null);
      if (holdEnds != null && (next == null || holdEnds.compareTo(next) < 0)) {
        next = holdEnds; // a GC backoff ends: pull the image again then
      }
      LOG.atInfo()
          .addKeyValue("node", settings.nodeName())
          .addKeyValue("specs", pass.planned.size())
          .addKeyValue("actions", result.outcomes().size())
          .addKeyValue("failed", result.failures().size())
          .addKeyValue("durationMs", (System.nanoTime() - start) / 1_000_000)
          .log(
              "pass on {}: {} spec(s), {} action(s), {} failed; next in {}",
              settings.nodeName(),
              pass.planned.size(),
              result.outcomes().size(),
              result.failures().size(),
              next == null ? "-" : GoDuration.format(next));
      if (!status.equals(primary.getStatus())) {
        write(context, primary, status);
      } else {
        unwritten = null;
      }
      next = warmGate(pass, result, now, next);
      UpdateControl<ImageNode> control = UpdateControl.noUpdate();
      return next == null ? control : control.rescheduleAfter(next);
    } finally {
      metrics.reconciled("agent", Duration.ofNanos(System.nanoTime() - start));
    }
  }

  @Override
  public ErrorStatusUpdateControl<ImageNode> updateErrorStatus(
      ImageNode primary, Context<ImageNode> context, Exception e) {
    if (e instanceof StatusPatch.StaleStatusException) {
      // the ImageNode's status changed since this pass read it: pass again on the newer one
      LOG.debug("pass on {}: {}", settings.nodeName(), e.getMessage());
      return ErrorStatusUpdateControl.<ImageNode>noStatusUpdate()
          .withNoRetry()
          .rescheduleAfter(StatusPatch.RECOMPUTE_DELAY);
    }
    metrics.reconcileFailed("agent");
    boolean engineDown = e instanceof EngineException;
    if (!engineDown && ApiServerContact.unreachable(e)) {
      // not the node's problem, and no status can be written now: no failed status, no warm-gate
      // verdict; pass again until the API server answers (never giving up, as retries would)
      LOG.atWarn()
          .addKeyValue("node", settings.nodeName())
          .log(
              "pass on {}: the API server cannot be reached ({}); trying again in {}",
              settings.nodeName(),
              Conditions.shorten(ErrorMessages.of(e), 512),
              GoDuration.format(ApiServerContact.RETRY));
      return ErrorStatusUpdateControl.<ImageNode>noStatusUpdate()
          .withNoRetry()
          .rescheduleAfter(ApiServerContact.RETRY);
    }
    if (engineDown) {
      metrics.engineError("unavailable");
      engineInfo = null;
    }
    String message = Conditions.shorten(ErrorMessages.of(e), 1024);
    engineProblem = message;
    String reason = engineDown ? Reasons.ENGINE_UNAVAILABLE : Reasons.RECONCILE_ERROR;
    LOG.atWarn()
        .addKeyValue("node", settings.nodeName())
        .addKeyValue("reason", reason)
        .log("pass on {} failed: {}", settings.nodeName(), message);
    ImageNodeStatus status = NodeStatusBuilder.failed(primary, reason, message, clock.instant());
    events.record(
        primary,
        EventRecorder.Type.Warning,
        reason,
        "node " + settings.nodeName() + ": " + message);
    if (!status.equals(primary.getStatus())) {
      try {
        StatusPatch.write(context, primary, status);
      } catch (KubernetesClientException | StatusPatch.StaleStatusException ke) {
        LOG.warn(
            "cannot write the status of ImageNode {}: {}", settings.nodeName(), ke.getMessage());
      }
    }
    warmGate.afterFailedPass(nodes.get(primaryId).orElse(null), message, clock.instant());
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  private boolean permitted(ImageSpec s) {
    return s.getStatus() != null
        && s.getStatus().getRollout() != null
        && s.getStatus().getRollout().permits(settings.nodeName());
  }

  /**
   * The {@link WarmGate} after a pass (the ImageNode's status written): the live and invalid specs
   * with this pass's statuses. Returns when to run again, {@code next} or earlier for the timeout.
   */
  private Duration warmGate(AgentPass pass, ReconcileResult result, Instant now, Duration next) {
    if (warmGate.done()) {
      return next;
    }
    List<ImageSpec> specs = new java.util.ArrayList<>(pass.live);
    specs.addAll(pass.invalid.keySet());
    warmGate.afterPass(nodes.get(primaryId).orElse(null), specs, result.statuses(), now);
    Duration gate = warmGate.wakeWithin(now);
    return gate != null && (next == null || gate.compareTo(next) < 0) ? gate : next;
  }

  /** Notes what this pass removed itself, so its absence is not counted as an external removal. */
  private void rememberRemovals(ReconcileResult result, Instant now) {
    for (dev.imagespec.reconcile.ActionOutcome o : result.outcomes()) {
      dev.imagespec.reconcile.ActionKind kind = o.action().kind();
      if ((kind == dev.imagespec.reconcile.ActionKind.REMOVE
              || kind == dev.imagespec.reconcile.ActionKind.PRUNE)
          && o.succeeded()) {
        removedByAgent.put(o.action().image(), now);
        ExternalRemovals.canonical(o.action().image()).ifPresent(c -> removedByAgent.put(c, now));
        if (o.image() != null && o.image().id() != null) {
          removedByAgent.put(o.image().id(), now);
        }
      }
    }
  }

  /** The verdicts' substance (image, result, credentials), without when they were checked. */
  private static Object access(ImageSpec s) {
    return s.getStatus() == null || s.getStatus().getAccess() == null
        ? null
        : s.getStatus().getAccess().stream()
            .map(
                v ->
                    List.of(
                        String.valueOf(v.getImage()),
                        String.valueOf(v.getResult()),
                        String.valueOf(v.getSecret()),
                        String.valueOf(v.getSecretVersion())))
            .toList();
  }

  private EngineInfo engineInfo() {
    EngineInfo current = engineInfo;
    if (current == null) {
      current = engine.info();
      engineInfo = current;
    }
    return current;
  }
}
