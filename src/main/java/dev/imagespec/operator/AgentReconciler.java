package dev.imagespec.operator;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.EngineException;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.InvalidArgumentException;
import dev.imagespec.reconcile.ActionKind;
import dev.imagespec.reconcile.ActionOutcome;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.DeclaredReferences;
import dev.imagespec.reconcile.DeletionSpecs;
import dev.imagespec.reconcile.ErrorMessages;
import dev.imagespec.reconcile.ImagePort;
import dev.imagespec.reconcile.PlannedAction;
import dev.imagespec.reconcile.PruneSchedule;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.reconcile.ReconcileOptions;
import dev.imagespec.reconcile.ReconcileResult;
import dev.imagespec.reconcile.Reconciler;
import dev.imagespec.reconcile.SecretCredentialResolver;
import dev.imagespec.spec.DeletionPolicy;
import dev.imagespec.spec.EngineInfo;
import dev.imagespec.spec.GoDuration;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageNodeStatus;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.NodePrune;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.spec.PruneStatus;
import dev.imagespec.spec.PullPolicy;
import dev.imagespec.spec.PushTarget;
import dev.imagespec.spec.SpecKey;
import dev.imagespec.spec.SpecValidator;
import dev.imagespec.spec.Violation;
import io.fabric8.kubernetes.api.model.Condition;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
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
  static final String READY = "Ready";
  static final String DEGRADED = "Degraded";

  /**
   * How the agent runs.
   *
   * @param nodeName the node (and ImageNode) name
   * @param parallelism pulls and pushes at once
   * @param failureRetry when to try again after a pass with failures
   * @param fallbackCredentials credentials when the spec's Secrets have none (e.g. a docker config
   *     mounted into the pod)
   */
  public record Settings(
      String nodeName,
      int parallelism,
      Duration failureRetry,
      CredentialResolver fallbackCredentials) {
    public Settings {
      Objects.requireNonNull(nodeName, "nodeName");
      failureRetry = failureRetry == null ? Duration.ofMinutes(1) : failureRetry;
      fallbackCredentials =
          fallbackCredentials == null ? CredentialResolver.none() : fallbackCredentials;
    }
  }

  private final Settings settings;
  private final EngineClient engine;
  private final ImagePort port;
  private final KubernetesClient client;
  private final Metrics metrics;
  private final EventRecorder events;
  private final Clock clock = Clock.systemUTC();
  private final ResourceID primaryId;
  private volatile EngineInfo engineInfo;
  private volatile String engineProblem = "no pass yet";
  private InformerEventSource<ImageSpec, ImageNode> specs;
  private InformerEventSource<Node, ImageNode> nodes;
  private EngineEventSource engineEvents;

  public AgentReconciler(
      Settings settings,
      EngineClient engine,
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
  }

  /** Null when the last pass reached the engine, else why not (for {@code /readyz}). */
  public String engineProblem() {
    return engineProblem;
  }

  @Override
  public List<EventSource<?, ImageNode>> prepareEventSources(EventSourceContext<ImageNode> ctx) {
    specs =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(ImageSpec.class, ImageNode.class)
                .withName("imagespecs")
                .withSecondaryToPrimaryMapper(s -> Set.of(primaryId))
                .withWatchAllNamespaces()
                // the aggregator writes the specs' status: only spec and deletion matter here
                .withOnUpdateFilter(
                    (s, old) ->
                        !Objects.equals(s.getSpec(), old.getSpec())
                            || !Objects.equals(
                                s.getMetadata().getDeletionTimestamp(),
                                old.getMetadata().getDeletionTimestamp())
                            || !Objects.equals(
                                s.getMetadata().getFinalizers(), old.getMetadata().getFinalizers()))
                .build(),
            ctx);
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
              .list(s -> s.getSpec() != null && Selectors.matches(selector(s), labels))
              .sorted(Comparator.comparing(SpecKey::of))
              .toList();
      Pass pass = plan(primary, matching);
      ReconcileOptions options =
          ReconcileOptions.defaults()
              .withParallelism(settings.parallelism())
              // A spec the validator rejects is not planned, so its images would not be protected
              // from another spec's prune: no prune on this node until every spec is valid.
              .withPruneNow(
                  pass.invalid.isEmpty()
                      ? PruneSchedule.due(pass.live, pass.previous, now)
                      : java.util.Set.of());
      CredentialResolver credentials =
          SecretCredentialResolver.withFallback(secrets(pass), settings.fallbackCredentials());
      ReconcileResult result =
          new Reconciler(port, credentials, options).reconcile(pass.planned, pass.previous);
      EngineInfo info = engineInfo();
      engineProblem = null;
      record(result, pass);
      ImageNodeStatus status = status(primary, pass, result, info, options, now);
      Duration next = nextWake(pass, result, status, now);
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
        StatusPatch.write(client, ImageNode.class, primary, status);
      }
      UpdateControl<ImageNode> control = UpdateControl.noUpdate();
      return next == null ? control : control.rescheduleAfter(next);
    } finally {
      metrics.reconciled("agent", Duration.ofNanos(System.nanoTime() - start));
    }
  }

  @Override
  public ErrorStatusUpdateControl<ImageNode> updateErrorStatus(
      ImageNode primary, Context<ImageNode> context, Exception e) {
    metrics.reconcileFailed("agent");
    boolean engineDown = e instanceof EngineException;
    if (engineDown) {
      metrics.engineError("unavailable");
      engineInfo = null;
    }
    String message = Conditions.shorten(ErrorMessages.of(e), 1024);
    engineProblem = message;
    LOG.atWarn()
        .addKeyValue("node", settings.nodeName())
        .addKeyValue("reason", engineDown ? Reasons.ENGINE_UNAVAILABLE : Reasons.RECONCILE_ERROR)
        .log("pass on {} failed: {}", settings.nodeName(), message);
    ImageNodeStatus previous = primary.getStatus();
    ImageNodeStatus status = copy(previous);
    Long generation = primary.getMetadata().getGeneration();
    Instant now = clock.instant();
    List<Condition> prev = previous == null ? null : previous.getConditions();
    status.setObservedGeneration(generation);
    status.setConditions(
        List.of(
            Conditions.of(
                prev,
                READY,
                false,
                engineDown ? Reasons.ENGINE_UNAVAILABLE : Reasons.RECONCILE_ERROR,
                message,
                generation,
                now),
            Conditions.of(
                prev,
                DEGRADED,
                true,
                engineDown ? Reasons.ENGINE_UNAVAILABLE : Reasons.RECONCILE_ERROR,
                message,
                generation,
                now)));
    events.record(
        primary,
        EventRecorder.Type.Warning,
        engineDown ? Reasons.ENGINE_UNAVAILABLE : Reasons.RECONCILE_ERROR,
        "node " + settings.nodeName() + ": " + message);
    if (!status.equals(previous)) {
      try {
        StatusPatch.write(client, ImageNode.class, primary, status);
      } catch (KubernetesClientException ke) {
        LOG.warn(
            "cannot write the status of ImageNode {}: {}", settings.nodeName(), ke.getMessage());
      }
    }
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  // ------------------------------------------------------------------------------- planning

  /** What one pass works on. */
  static final class Pass {
    final List<ImageSpec> live = new ArrayList<>();
    final List<ImageSpec> planned = new ArrayList<>();

    /** Deleted specs whose images this node removes: key -> the original spec. */
    final Map<SpecKey, ImageSpec> removing = new LinkedHashMap<>();

    /** Deleted specs with nothing left to remove here. */
    final List<ImageSpec> removedAlready = new ArrayList<>();

    final Map<SpecKey, ImageSpecStatus> previous = new HashMap<>();
    final Map<SpecKey, ImageSpec> byKey = new HashMap<>();

    /** Live specs the validator rejects (not planned), with why. */
    final Map<ImageSpec, String> invalid = new LinkedHashMap<>();
  }

  static io.fabric8.kubernetes.api.model.LabelSelector selector(ImageSpec s) {
    return s.getSpec() == null ? null : s.getSpec().getNodeSelector();
  }

  static Pass plan(ImageNode primary, List<ImageSpec> matching) {
    Pass pass = new Pass();
    List<ImageSpec> deleting = new ArrayList<>();
    for (ImageSpec s : matching) {
      if (s.getMetadata().getDeletionTimestamp() == null) {
        // what `imagespec apply` rejects before doing anything (duplicates, digests, ...)
        List<Violation> violations = SpecValidator.validate(s);
        if (violations.isEmpty()) {
          pass.live.add(s);
        } else {
          pass.invalid.put(
              s,
              Conditions.shorten(
                  violations.stream().map(Violation::toString).collect(Collectors.joining("; ")),
                  1024));
        }
      } else if (s.getSpec().deletionPolicyOrDefault() == DeletionPolicy.Remove
          && s.getMetadata().getFinalizers() != null
          && s.getMetadata().getFinalizers().contains(AggregatorReconciler.FINALIZER)) {
        deleting.add(s);
      }
    }
    ImageNodeStatus st = primary.getStatus();
    for (ImageSpec s : matching) {
      SpecKey key = SpecKey.of(s);
      pass.byKey.put(key, s);
      if (st != null) {
        st.spec(key.namespace(), key.name())
            .filter(e -> e.getUid() == null || e.getUid().equals(s.getMetadata().getUid()))
            .ifPresent(e -> pass.previous.put(key, e.toSpecStatus()));
      }
    }
    pass.planned.addAll(pass.live);
    Set<String> wanted = declaredPresent(pass.live);
    for (ImageSpec s : deleting) {
      Optional<ImageSpec> removal = DeletionSpecs.removalSpec(s).map(r -> without(r, wanted));
      if (removal.isPresent()) {
        pass.planned.add(removal.get());
        pass.removing.put(SpecKey.of(s), s);
      } else {
        pass.removedAlready.add(s);
      }
    }
    return pass;
  }

  /** Canonical references that live specs want Present (images, tags, push targets). */
  static Set<String> declaredPresent(List<ImageSpec> live) {
    return DeclaredReferences.present(live);
  }

  private static Optional<String> canonical(String ref) {
    try {
      return ref == null
          ? Optional.empty()
          : Optional.of(ImageReference.parse(ref).withDefaultTag().canonical());
    } catch (InvalidArgumentException e) {
      return Optional.empty();
    }
  }

  /** The removal spec without the references live specs still want; empty when none is left. */
  private static ImageSpec without(ImageSpec removal, Set<String> wanted) {
    List<ImageEntry> keep =
        removal.getSpec().imagesOrEmpty().stream()
            .filter(e -> canonical(e.getImage()).map(c -> !wanted.contains(c)).orElse(true))
            .toList();
    if (keep.isEmpty()) {
      return null;
    }
    ImageSpecSpec s = new ImageSpecSpec();
    s.setImages(new ArrayList<>(keep));
    return ImageSpec.of(
        removal.getMetadata().getNamespace(),
        removal.getMetadata().getName(),
        s); // generation is not needed: the entry's observedGeneration comes from the original
  }

  /** The Secrets the planned specs name, read from their namespaces (missing ones skipped). */
  private List<Secret> secrets(Pass pass) {
    Map<String, Secret> out = new LinkedHashMap<>();
    for (ImageSpec s : pass.live) {
      String ns = SpecKey.of(s).namespace();
      Set<String> names = new HashSet<>(s.getSpec().pullSecretsOrEmpty());
      for (ImageEntry e : s.getSpec().imagesOrEmpty()) {
        if (e != null) {
          for (PushTarget p : e.pushesOrEmpty()) {
            if (p != null && p.getCredentialsSecret() != null) {
              names.add(p.getCredentialsSecret());
            }
          }
        }
      }
      for (String name : names) {
        out.computeIfAbsent(
            ns + "/" + name,
            k -> {
              try {
                Secret secret = client.secrets().inNamespace(ns).withName(name).get();
                if (secret == null) {
                  LOG.warn("secret {}/{} not found", ns, name);
                }
                return secret;
              } catch (KubernetesClientException e) {
                LOG.warn("cannot read secret {}/{}: {}", ns, name, e.getMessage());
                return null;
              }
            });
      }
    }
    return out.values().stream().filter(Objects::nonNull).toList();
  }

  private EngineInfo engineInfo() {
    EngineInfo current = engineInfo;
    if (current == null) {
      EngineClient.ServerInfo info = engine.info();
      String version = engine.version().path("Version").asText(null);
      current =
          new EngineInfo(
              info.engineName(), version, info.apiVersion(), engine.endpoint().toString());
      engineInfo = current;
    }
    return current;
  }

  // -------------------------------------------------------------------------------- status

  private ImageNodeStatus status(
      ImageNode primary,
      Pass pass,
      ReconcileResult result,
      EngineInfo info,
      ReconcileOptions options,
      Instant now) {
    ImageNodeStatus previous = primary.getStatus();
    ImageNodeStatus st = new ImageNodeStatus();
    Long generation = primary.getMetadata().getGeneration();
    st.setObservedGeneration(generation);
    st.setEngine(info);
    List<NodeSpecStatus> entries = new ArrayList<>();
    int ready = 0;
    List<String> problems = new ArrayList<>();
    List<String> waiting = new ArrayList<>();
    for (ImageSpec s : pass.live) {
      SpecKey key = SpecKey.of(s);
      ImageSpecStatus status = result.statuses().get(key);
      if (status == null) {
        continue;
      }
      entries.add(NodeSpecStatus.of(s, status));
      if (status.isReady()) {
        ready++;
      } else if (status.isDegraded()) {
        problems.add(key + ": " + status.condition(ImageSpecStatus.DEGRADED).get().getMessage());
      } else {
        waiting.add(key.toString());
      }
    }
    for (Map.Entry<ImageSpec, String> e : pass.invalid.entrySet()) {
      SpecKey key = SpecKey.of(e.getKey());
      ImageSpecStatus status = new ImageSpecStatus();
      Long gen = e.getKey().getMetadata().getGeneration();
      List<Condition> old =
          pass.previous.containsKey(key) ? pass.previous.get(key).getConditions() : null;
      status.setObservedGeneration(gen);
      status.setConditions(
          List.of(
              Conditions.of(old, READY, false, Reasons.INVALID_SPEC, e.getValue(), gen, now),
              Conditions.of(
                  old,
                  ImageSpecStatus.PROGRESSING,
                  false,
                  Reasons.INVALID_SPEC,
                  "not applied",
                  gen,
                  now),
              Conditions.of(old, DEGRADED, true, Reasons.INVALID_SPEC, e.getValue(), gen, now)));
      entries.add(NodeSpecStatus.of(e.getKey(), status));
      problems.add(key + ": " + e.getValue());
    }
    for (Map.Entry<SpecKey, ImageSpec> e : pass.removing.entrySet()) {
      ImageSpecStatus status = result.statuses().get(e.getKey());
      if (status == null) {
        continue;
      }
      NodeSpecStatus entry = NodeSpecStatus.of(e.getValue(), status);
      entry.setObservedGeneration(e.getValue().getMetadata().getGeneration());
      boolean removed =
          status.getImages() != null
              && status.getImages().stream().allMatch(i -> i.getState() == ImageState.Absent);
      entry.setRemoved(removed);
      if (!removed) {
        (status.isDegraded() ? problems : waiting).add(e.getKey() + " (removing images)");
      }
      entries.add(entry);
    }
    for (ImageSpec s : pass.removedAlready) {
      NodeSpecStatus entry = NodeSpecStatus.of(s, new ImageSpecStatus());
      entry.setObservedGeneration(s.getMetadata().getGeneration());
      entry.setRemoved(true);
      entries.add(entry);
    }
    entries.sort(Comparator.comparing(NodeSpecStatus::key));
    st.setSpecs(entries);
    st.setSpecsReady(ready + "/" + (pass.live.size() + pass.invalid.size()));
    st.setLastPrune(lastPrune(previous, pass, result, options, now));
    List<Condition> prev = previous == null ? null : previous.getConditions();
    boolean isReady = problems.isEmpty() && waiting.isEmpty();
    st.setConditions(
        List.of(
            Conditions.of(
                prev,
                READY,
                isReady,
                isReady
                    ? Reasons.CONVERGED
                    : problems.isEmpty() ? Reasons.PROGRESSING : Reasons.DEGRADED,
                isReady
                    ? ready + " spec(s) converged on " + info.getKind()
                    : Conditions.shorten(
                        String.join("; ", problems.isEmpty() ? waiting : problems), 1024),
                generation,
                now),
            Conditions.of(
                prev,
                DEGRADED,
                !problems.isEmpty(),
                problems.isEmpty() ? Reasons.AS_EXPECTED : Reasons.SPECS_DEGRADED,
                problems.isEmpty()
                    ? "no failures"
                    : Conditions.shorten(String.join("; ", problems), 1024),
                generation,
                now)));
    return st;
  }

  private static NodePrune lastPrune(
      ImageNodeStatus previous,
      Pass pass,
      ReconcileResult result,
      ReconcileOptions options,
      Instant now) {
    NodePrune last = previous == null ? null : previous.getLastPrune();
    String at = Conditions.time(now);
    for (SpecKey key : options.pruneNow()) {
      ImageSpecStatus st = result.statuses().get(key);
      PruneStatus p = st == null ? null : st.getPrune();
      if (p != null && at.equals(p.getLastRun())) {
        last =
            new NodePrune(
                key.toString(),
                p.getLastRun(),
                p.getImagesDeleted(),
                p.getSpaceReclaimed(),
                p.getMessage());
      }
    }
    return last;
  }

  /**
   * When to run again without an event: the shortest refresh interval of a spec with {@code Always}
   * images or pushes, the next scheduled prune, and a retry after failures.
   */
  private Duration nextWake(
      Pass pass, ReconcileResult result, ImageNodeStatus status, Instant now) {
    Duration next = null;
    for (ImageSpec s : pass.live) {
      ImageSpecSpec sp = s.getSpec();
      boolean refresh = sp.pullPolicyOrDefault() == PullPolicy.Always;
      for (ImageEntry e : sp.imagesOrEmpty()) {
        refresh |=
            e != null && (e.getPullPolicy() == PullPolicy.Always || !e.pushesOrEmpty().isEmpty());
      }
      if (refresh) {
        Duration every;
        try {
          every =
              sp.getRefreshInterval() == null
                  ? ImageSpecSpec.DEFAULT_REFRESH_INTERVAL
                  : GoDuration.parse(sp.getRefreshInterval());
        } catch (IllegalArgumentException e) {
          every = ImageSpecSpec.DEFAULT_REFRESH_INTERVAL;
        }
        next = min(next, every);
      }
      ImageSpecStatus st = result.statuses().get(SpecKey.of(s));
      if (st != null && st.getPrune() != null && st.getPrune().getNextRun() != null) {
        try {
          Instant at = Instant.parse(st.getPrune().getNextRun());
          Duration until = Duration.between(now, at).plusSeconds(1);
          next = min(next, until.isNegative() ? Duration.ofSeconds(1) : until);
        } catch (java.time.format.DateTimeParseException ignored) {
          // not a time: no schedule
        }
      }
    }
    if (!result.failures().isEmpty()
        || Conditions.isTrue(status.getConditions(), DEGRADED)
        || !pass.removing.isEmpty()) {
      next = min(next, settings.failureRetry());
    }
    return next;
  }

  private static Duration min(Duration a, Duration b) {
    return a == null || b.compareTo(a) < 0 ? b : a;
  }

  // -------------------------------------------------------------------------------- events

  private void record(ReconcileResult result, Pass pass) {
    Map<SpecKey, int[]> pruned = new LinkedHashMap<>();
    for (ActionOutcome o : result.outcomes()) {
      metrics.action(o);
      if (o.result() == ActionOutcome.Result.SKIPPED) {
        continue;
      }
      PlannedAction a = o.action();
      boolean ok = o.succeeded();
      (ok ? LOG.atInfo() : LOG.atWarn())
          .addKeyValue("node", settings.nodeName())
          .addKeyValue("action", a.kind().name().toLowerCase(java.util.Locale.ROOT))
          .addKeyValue("image", a.image())
          .addKeyValue("result", o.result().name().toLowerCase(java.util.Locale.ROOT))
          .addKeyValue("spec", a.spec().toString())
          .log("{}", o.describe());
      if (a.kind() == ActionKind.PRUNE) {
        if (ok) {
          pruned.computeIfAbsent(a.spec(), k -> new int[1])[0]++;
          continue;
        }
      }
      String reason =
          switch (a.kind()) {
            case PULL -> ok ? Reasons.PULLED : Reasons.PULL_FAILED;
            case PUSH -> ok ? Reasons.PUSHED : Reasons.PUSH_FAILED;
            case TAG -> ok ? Reasons.TAGGED : Reasons.TAG_FAILED;
            case REMOVE -> ok ? Reasons.REMOVED : Reasons.REMOVE_FAILED;
            case PRUNE -> Reasons.PRUNE_FAILED;
          };
      if (ok && a.kind() == ActionKind.TAG) {
        continue; // tags are bookkeeping; pulls and pushes say what matters
      }
      for (SpecKey key : a.specs()) {
        ImageSpec spec = pass.byKey.get(key);
        if (spec != null) {
          events.record(
              spec,
              ok ? EventRecorder.Type.Normal : EventRecorder.Type.Warning,
              reason,
              "node " + settings.nodeName() + ": " + o.describe());
        }
      }
    }
    pass.invalid.forEach(
        (spec, why) ->
            events.record(
                spec,
                EventRecorder.Type.Warning,
                Reasons.INVALID_SPEC,
                "node " + settings.nodeName() + ": not applied: " + why));
    pruned.forEach(
        (key, n) -> {
          ImageSpec spec = pass.byKey.get(key);
          ImageSpecStatus st = result.statuses().get(key);
          if (spec != null) {
            events.record(
                spec,
                EventRecorder.Type.Normal,
                "Pruned",
                "node "
                    + settings.nodeName()
                    + ": "
                    + (st != null && st.getPrune() != null
                        ? st.getPrune().getMessage()
                        : "deleted " + n[0] + " image(s)"));
          }
        });
  }

  // ------------------------------------------------------------------------------- helpers

  private static ImageNodeStatus copy(ImageNodeStatus s) {
    ImageNodeStatus c = new ImageNodeStatus();
    if (s != null) {
      c.setObservedGeneration(s.getObservedGeneration());
      c.setConditions(s.getConditions());
      c.setEngine(s.getEngine());
      c.setSpecsReady(s.getSpecsReady());
      c.setLastPrune(s.getLastPrune());
      c.setSpecs(s.getSpecs());
    }
    return c;
  }
}
