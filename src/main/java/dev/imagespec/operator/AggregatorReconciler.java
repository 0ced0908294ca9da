package dev.imagespec.operator;

import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.RegistryCopy;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.reconcile.WakeSchedule;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.DeletionPolicy;
import dev.imagespec.spec.GoDuration;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.spec.SpecKey;
import dev.imagespec.spec.SpecValidator;
import dev.imagespec.spec.Violation;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregator's controller: primary resource the {@link ImageSpec}, secondary the {@link
 * ImageNode}s. It writes the spec's status from what the agents report, and — as a {@link Cleaner}
 * — holds a deleted {@code deletionPolicy: Remove} spec until every agent that applied it reports
 * its images removed, or is given up on after {@code --finalizer-timeout} ({@link
 * FinalizerTimeout}). Specs with {@code Retain} are released at once.
 */
public final class AggregatorReconciler implements Reconciler<ImageSpec>, Cleaner<ImageSpec> {
  private static final Logger LOG = LoggerFactory.getLogger(AggregatorReconciler.class);
  public static final String CONTROLLER = "imagespec-aggregator";

  /** Held by every ImageSpec while the aggregator runs; agents act on it for Remove. */
  public static final String FINALIZER = "imagespec.dev/finalizer";

  static final Duration REMOVAL_RECHECK = Duration.ofSeconds(30);

  private final KubernetesClient client;
  private final Metrics metrics;
  private final EventRecorder events;
  private final Clock clock = Clock.systemUTC();
  private InformerEventSource<ImageNode, ImageSpec> nodes;
  private final SpecWakeups wakeups = new SpecWakeups();
  private final ClusterPushes pushes;
  private final ClusterAccess access;
  private final Duration permitTimeout;
  private final Duration finalizerTimeout;

  /** Whether a failed Node read was logged (once per process: a missing RBAC rule repeats). */
  private final java.util.concurrent.atomic.AtomicBoolean nodeReadWarned =
      new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * Per ImageNode: the specs its current version reports and those its version before reported, so
   * that a spec a node drops (selector no longer matching, spec gone) is updated too.
   */
  private final Map<String, Reported> reported = new ConcurrentHashMap<>();

  private record Reported(String version, Set<ResourceID> now, Set<ResourceID> before) {}

  public AggregatorReconciler(KubernetesClient client, Metrics metrics, EventRecorder events) {
    this(
        client,
        metrics,
        events,
        ClusterPushes.Settings.defaults(),
        DEFAULT_PERMIT_TIMEOUT,
        FinalizerTimeout.DEFAULT);
  }

  /** How long a node may hold a rollout permit by default. */
  public static final Duration DEFAULT_PERMIT_TIMEOUT = Duration.ofMinutes(10);

  /**
   * @param pushSettings how the aggregator copies {@code pushes} registry to registry
   * @param permitTimeout how long a node may hold a rollout permit
   * @param finalizerTimeout after how long a deleted Remove spec stops waiting for a silent or
   *     NotReady node
   */
  AggregatorReconciler(
      KubernetesClient client,
      Metrics metrics,
      EventRecorder events,
      ClusterPushes.Settings pushSettings,
      Duration permitTimeout,
      Duration finalizerTimeout) {
    this.permitTimeout = permitTimeout == null ? DEFAULT_PERMIT_TIMEOUT : permitTimeout;
    this.finalizerTimeout = finalizerTimeout == null ? FinalizerTimeout.DEFAULT : finalizerTimeout;
    this.client = client;
    this.metrics = metrics;
    this.events = events;
    SpecSecrets secrets = new SpecSecrets(client);
    RegistryClient registry =
        RegistryClient.builder().insecureRegistries(pushSettings.insecureRegistries()).build();
    this.access = new ClusterAccess(registry, spec -> secrets.of(List.of(spec)), clock);
    this.pushes =
        new ClusterPushes(
            new RegistryCopy(registry),
            spec -> secrets.of(List.of(spec)),
            wakeups::wake,
            events,
            pushSettings,
            clock);
  }

  /** Stops the copies in flight. */
  void close() {
    pushes.close();
  }

  @Override
  public List<EventSource<?, ImageSpec>> prepareEventSources(EventSourceContext<ImageSpec> ctx) {
    nodes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(ImageNode.class, ImageSpec.class)
                .withName("imagenodes")
                .withSecondaryToPrimaryMapper(this::specsOf)
                .build(),
            ctx);
    return List.of(nodes, wakeups);
  }

  /**
   * The specs an ImageNode reports on now, plus those its previous version reported on. JOSDK asks
   * more than once per event (for its index, then for the event itself), so one version of the
   * ImageNode always gets the same answer.
   */
  private Set<ResourceID> specsOf(ImageNode node) {
    Set<ResourceID> now =
        node.getStatus() == null || node.getStatus().getSpecs() == null
            ? Set.of()
            : node.getStatus().getSpecs().stream()
                .map(s -> new ResourceID(s.getName(), s.getNamespace()))
                .collect(Collectors.toSet());
    String version = node.getMetadata().getResourceVersion();
    Reported r =
        reported.compute(
            node.getMetadata().getName(),
            (name, last) ->
                last == null
                    ? new Reported(version, now, Set.of())
                    : version != null && version.equals(last.version())
                        ? last
                        : new Reported(version, now, last.now()));
    if (r.before().isEmpty()) {
      return r.now();
    }
    Set<ResourceID> all = new HashSet<>(r.now());
    all.addAll(r.before());
    return all;
  }

  private List<ImageNode> imageNodes() {
    return nodes.list(n -> true).toList();
  }

  @Override
  public UpdateControl<ImageSpec> reconcile(ImageSpec spec, Context<ImageSpec> context) {
    long start = System.nanoTime();
    try {
      Instant now = clock.instant();
      ImageSpecStatus previous = spec.getStatus();
      List<Violation> violations = SpecValidator.validate(spec);
      if (!violations.isEmpty()) {
        invalid(spec, violations, previous, context, now);
        return UpdateControl.noUpdate(); // an edit of the spec (its generation) wakes it again
      }
      List<SpecAggregation.Report> reports = SpecAggregation.reports(spec, imageNodes());
      ClusterPushes.Observation copies = pushes.observe(spec);
      ImageSpecStatus status = SpecAggregation.aggregate(spec, reports, copies, previous, now);
      status.setAccess(
          access.verdicts(spec, reports, previous == null ? null : previous.getAccess()));
      status.setRollout(
          RolloutPermits.next(
              spec,
              reports,
              RolloutPermits.warming(imageNodes()),
              previous == null ? null : previous.getRollout(),
              now,
              permitTimeout));
      announce(spec, previous, status);
      if (!status.equals(previous)) {
        StatusPatch.write(context, spec, status);
      }
      Duration next = copies.nextDue();
      if (status.getAccess() != null) {
        // keep the verdicts fresh for the agents: re-checked at half the refresh interval
        Duration recheck =
            ClusterPushes.max(
                WakeSchedule.refreshInterval(spec.getSpec(), ImageSpecSpec.DEFAULT_REFRESH_INTERVAL)
                    .dividedBy(2),
                ClusterPushes.MIN_RECHECK);
        next = next == null || recheck.compareTo(next) < 0 ? recheck : next;
      }
      Duration expiry = RolloutPermits.nextExpiry(status.getRollout(), now, permitTimeout);
      if (expiry != null && (next == null || expiry.compareTo(next) < 0)) {
        next = expiry; // a permit held past --permit-timeout goes to the next node
      }
      UpdateControl<ImageSpec> control = UpdateControl.noUpdate();
      return next == null ? control : control.rescheduleAfter(next);
    } finally {
      metrics.reconciled("aggregator", Duration.ofNanos(System.nanoTime() - start));
    }
  }

  /**
   * A spec this version cannot use (it does not bind, or the validator refuses it): not applied, no
   * copies; Ready False and Degraded True with {@link Reasons#INVALID_SPEC} and why, and a Warning
   * event when that is new. The agents skip it too ({@link AgentPass#invalid}).
   */
  private void invalid(
      ImageSpec spec,
      List<Violation> violations,
      ImageSpecStatus previous,
      Context<ImageSpec> context,
      Instant now) {
    pushes.forget(spec);
    Long generation = spec.getMetadata().getGeneration();
    String why =
        Conditions.shorten(
            violations.stream().map(Violation::toString).collect(Collectors.joining("; ")),
            SpecAggregation.MAX_MESSAGE * 2);
    ImageSpecStatus status = new ImageSpecStatus();
    status.setObservedGeneration(generation);
    status.setConditions(
        Conditions.against(previous == null ? null : previous.getConditions(), generation, now)
            .ready(false, Reasons.INVALID_SPEC, why)
            .progressing(false, Reasons.INVALID_SPEC, "not applied")
            .degraded(true, Reasons.INVALID_SPEC, why)
            .build());
    boolean known =
        previous != null
            && previous
                .condition(ImageSpecStatus.DEGRADED)
                .filter(c -> Reasons.INVALID_SPEC.equals(c.getReason()))
                .filter(c -> why.equals(c.getMessage()))
                .isPresent();
    if (!known) {
      LOG.atWarn()
          .addKeyValue("spec", SpecKey.of(spec).toString())
          .addKeyValue("reason", Reasons.INVALID_SPEC)
          .log("{} is not applied: {}", SpecKey.of(spec), why);
      events.record(spec, EventRecorder.Type.Warning, Reasons.INVALID_SPEC, "not applied: " + why);
    }
    if (!status.equals(previous)) {
      StatusPatch.write(context, spec, status);
    }
  }

  /** Events when the spec becomes Ready or Degraded (rate-limited by the recorder). */
  private void announce(ImageSpec spec, ImageSpecStatus previous, ImageSpecStatus status) {
    boolean wasDegraded = previous != null && previous.isDegraded();
    boolean wasReady = previous != null && previous.isReady();
    if (status.isDegraded()) {
      String message = status.condition(ImageSpecStatus.DEGRADED).get().getMessage();
      String prevMessage =
          previous == null
              ? null
              : previous.condition(ImageSpecStatus.DEGRADED).map(c -> c.getMessage()).orElse(null);
      if (!wasDegraded || !message.equals(prevMessage)) {
        events.record(spec, EventRecorder.Type.Warning, Reasons.DEGRADED, message);
      }
    } else if (status.isReady() && !wasReady) {
      events.record(
          spec,
          EventRecorder.Type.Normal,
          "Ready",
          status.condition(ImageSpecStatus.READY).get().getMessage());
    }
  }

  @Override
  public ErrorStatusUpdateControl<ImageSpec> updateErrorStatus(
      ImageSpec spec, Context<ImageSpec> context, Exception e) {
    if (e instanceof StatusPatch.StaleStatusException) {
      // the spec's status changed since this pass read it: aggregate again from the newer one
      LOG.debug("aggregating {}: {}", SpecKey.of(spec), e.getMessage());
      return ErrorStatusUpdateControl.<ImageSpec>noStatusUpdate()
          .withNoRetry()
          .rescheduleAfter(StatusPatch.RECOMPUTE_DELAY);
    }
    metrics.reconcileFailed("aggregator");
    if (ApiServerContact.unreachable(e)) {
      // aggregate again until the API server answers (never giving up, as retries would)
      LOG.atWarn()
          .addKeyValue("spec", SpecKey.of(spec).toString())
          .log(
              "aggregating {}: the API server cannot be reached ({}); trying again in {}s",
              SpecKey.of(spec),
              e.getMessage(),
              ApiServerContact.RETRY.toSeconds());
      return ErrorStatusUpdateControl.<ImageSpec>noStatusUpdate()
          .withNoRetry()
          .rescheduleAfter(ApiServerContact.RETRY);
    }
    LOG.atWarn()
        .addKeyValue("spec", SpecKey.of(spec).toString())
        .log("aggregating {} failed: {}", SpecKey.of(spec), e.toString());
    return ErrorStatusUpdateControl.defaultErrorProcessing();
  }

  @Override
  public DeleteControl cleanup(ImageSpec spec, Context<ImageSpec> context) {
    pushes.forget(spec);
    if (spec.getSpec() == null
        || spec.getSpec().deletionPolicyOrDefault() != DeletionPolicy.Remove) {
      return DeleteControl.defaultDelete();
    }
    List<SpecAggregation.Report> reports = SpecAggregation.reports(spec, imageNodes());
    List<SpecAggregation.Report> pending =
        reports.stream().filter(r -> !Boolean.TRUE.equals(r.entry().getRemoved())).toList();
    if (pending.isEmpty()) {
      LOG.atInfo()
          .addKeyValue("spec", SpecKey.of(spec).toString())
          .addKeyValue("nodes", reports.size())
          .log("{}: images removed on {} node(s); releasing it", SpecKey.of(spec), reports.size());
      events.record(
          spec,
          EventRecorder.Type.Normal,
          Reasons.IMAGES_REMOVED,
          "images removed on " + reports.size() + " node(s)");
      return DeleteControl.defaultDelete();
    }
    Instant now = clock.instant();
    FinalizerTimeout.Decision decision =
        FinalizerTimeout.decide(
            Conditions.parseTime(spec.getMetadata().getDeletionTimestamp()),
            pending,
            this::node,
            now,
            finalizerTimeout);
    if (decision.waiting().isEmpty()) {
      String message = timedOutMessage(decision.left(), reports.size() - pending.size());
      LOG.atWarn()
          .addKeyValue("spec", SpecKey.of(spec).toString())
          .addKeyValue("nodes", decision.left().stream().map(FinalizerTimeout.Left::node).toList())
          .log("{}: {}", SpecKey.of(spec), message);
      events.record(spec, EventRecorder.Type.Warning, Reasons.FINALIZER_TIMED_OUT, message);
      return DeleteControl.defaultDelete();
    }
    List<String> waiting = decision.waiting();
    String failing =
        pending.stream()
            .filter(r -> waiting.contains(r.node()) && r.entry().isDegraded())
            .map(r -> r.node() + ": " + degradedMessage(r.entry()))
            .findFirst()
            .orElse(null);
    events.record(
        spec,
        failing == null ? EventRecorder.Type.Normal : EventRecorder.Type.Warning,
        failing == null ? Reasons.REMOVING_IMAGES : Reasons.REMOVE_FAILED,
        "waiting for "
            + waiting.size()
            + " node(s) to remove the images: "
            + String.join(", ", waiting.subList(0, Math.min(3, waiting.size())))
            + (failing == null ? "" : "; " + failing)
            + (decision.left().isEmpty()
                ? ""
                : "; given up on " + decision.left().size() + " silent or NotReady node(s)")
            + " (to stop waiting, remove the finalizer "
            + FINALIZER
            + ")");
    Duration recheck = REMOVAL_RECHECK;
    if (decision.nextDeadline() != null) {
      // a second late rather than early: the deadline has passed when the recheck comes
      Duration due = Duration.between(now, decision.nextDeadline()).plusSeconds(1);
      recheck = due.compareTo(recheck) < 0 ? due : recheck;
    }
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(recheck.toMillis());
  }

  /** The Event and log message of a spec released by {@code --finalizer-timeout}. */
  private String timedOutMessage(List<FinalizerTimeout.Left> left, int removedOn) {
    int shown = Math.min(10, left.size());
    return "released after --finalizer-timeout "
        + GoDuration.format(finalizerTimeout)
        + " without removal on "
        + left.size()
        + " node(s); its images may be left there: "
        + left.subList(0, shown).stream().map(Object::toString).collect(Collectors.joining(", "))
        + (shown < left.size() ? " and " + (left.size() - shown) + " more" : "")
        + (removedOn > 0 ? "; removed on " + removedOn + " other node(s)" : "")
        + ". Remove them by hand on those nodes (crictl rmi / docker rmi), or, once their agent"
        + " runs again, apply a spec that declares them ensure: Absent for those nodes";
  }

  /** The Node named {@code name}, null when it is not found or cannot be read. */
  private io.fabric8.kubernetes.api.model.Node node(String name) {
    try {
      return client.nodes().withName(name).get();
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (nodeReadWarned.compareAndSet(false, true)) {
        LOG.warn(
            "cannot read Node {} ({}): until it can, --finalizer-timeout counts only how long an"
                + " agent has not tried to remove a deleted spec's images; give the aggregator"
                + " `get` on nodes (deploy/base/rbac.yaml)",
            name,
            e.getMessage());
      }
      return null;
    }
  }

  private static String degradedMessage(NodeSpecStatus e) {
    return Conditions.find(e.getConditions(), ImageSpecStatus.DEGRADED)
        .map(c -> c.getMessage())
        .orElse("degraded");
  }
}
