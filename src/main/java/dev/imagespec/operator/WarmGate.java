package dev.imagespec.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.GoDuration;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.SpecKey;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm before scheduling: a node registered with the agent's startup taint ({@code
 * imagespec.dev/warming:NoSchedule} by default) keeps it until every ImageSpec that selects the
 * node and says {@code warmBeforeScheduling: true} is Ready on it, or until the warm timeout
 * (counted from the taint's timeAdded, else the agent's start) has passed. The agent calls {@link
 * #afterPass} after each pass (JOSDK runs passes only once its informers have synced, on the node's
 * ImageNode).
 *
 * <p>The taint is removed once per process and never put back: later drift shows in the ImageNode's
 * status only. The Node condition {@code ImagesWarm} says how it went (True/{@code Converged}, or
 * False/{@code TimedOut} with a Warning Event {@code WarmTimedOut} naming the missing images; after
 * a timeout it turns True when the specs converge). Both writes are JSON patches that first {@code
 * test} the list they change as it was read, so another controller's taint or the kubelet's
 * conditions are never dropped; a failed test re-reads the Node and tries again.
 */
public final class WarmGate {
  private static final Logger LOG = LoggerFactory.getLogger(WarmGate.class);
  private static final ObjectMapper JSON = Serialization.jsonMapper();

  public static final String DEFAULT_TAINT = "imagespec.dev/warming";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(15);
  static final String EFFECT = "NoSchedule";

  /** Attempts of one patch whose {@code test} failed because the list changed meanwhile. */
  static final int ATTEMPTS = 5;

  /** When a pass comes again while the taint could not be removed (API error). */
  static final Duration RETRY = Duration.ofSeconds(30);

  static final int MAX_MESSAGE = 1024;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private enum State {
    /** The taint is there and the specs are not warm yet. */
    WAITING,
    /** The taint went at the timeout; the condition turns True once the specs converge. */
    TIMED_OUT,
    /** Nothing more to do in this process. */
    DONE
  }

  private final KubernetesClient client;
  private final String node;
  private final String taintKey;
  private final Duration timeout;
  private final EventRecorder events;
  private final Instant startedAt;

  /**
   * Since when the node waits: when the taint was added (it survives agent restarts, so an agent
   * that crash-loops still reaches the timeout), else when the agent started.
   */
  private volatile Instant since;

  private volatile State state = State.WAITING;

  WarmGate(
      KubernetesClient client,
      String node,
      String taintKey,
      Duration timeout,
      EventRecorder events,
      Instant startedAt) {
    this.client = client;
    this.node = node;
    this.taintKey = taintKey;
    this.timeout = timeout;
    this.events = events;
    this.startedAt = startedAt;
    this.since = startedAt;
  }

  /**
   * Why {@code key} is not a taint key (a qualified name: {@code [prefix/]name}, the prefix a DNS
   * subdomain), or null when it is one.
   */
  public static String taintKeyProblem(String key) {
    if (key == null || key.isEmpty()) {
      return "empty; expected a taint key such as " + DEFAULT_TAINT;
    }
    int slash = key.indexOf('/');
    String prefix = slash < 0 ? null : key.substring(0, slash);
    String name = slash < 0 ? key : key.substring(slash + 1);
    if (prefix != null && (prefix.isEmpty() || prefix.length() > 253)) {
      return "the prefix before '/' must be 1 to 253 characters, e.g. " + DEFAULT_TAINT;
    }
    if (prefix != null && !DNS_SUBDOMAIN.matcher(prefix).matches()) {
      return "the prefix before '/' must be a DNS subdomain (lower case letters, digits, '-', '.'),"
          + " e.g. "
          + DEFAULT_TAINT;
    }
    if (name.isEmpty() || name.length() > 63 || !NAME.matcher(name).matches()) {
      return "the name must be 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a"
          + " letter or digit, e.g. "
          + DEFAULT_TAINT;
    }
    return null;
  }

  /**
   * True while the gate keeps {@code cached} (the Node) closed: it still carries the taint and the
   * gate has not given up; such nodes get rollout permits first.
   */
  boolean warming(Node cached) {
    return state == State.WAITING && cached != null && tainted(cached);
  }

  /** True once the gate has nothing left to do. */
  boolean done() {
    return state == State.DONE;
  }

  /**
   * After a pass. {@code cached} is the Node from the agent's informer (null: no such Node); {@code
   * specs} the live and invalid ImageSpecs that select the node; {@code statuses} this pass's
   * status of each (a spec without one is not converged).
   */
  void afterPass(
      Node cached,
      Collection<ImageSpec> specs,
      Map<SpecKey, ImageSpecStatus> statuses,
      Instant now) {
    State s = state;
    if (s == State.DONE) {
      return;
    }
    if (s == State.WAITING && (cached == null || !tainted(cached))) {
      LOG.debug("node {} has no {} taint: nothing to warm before scheduling", node, taintKey);
      state = State.DONE;
      return;
    }
    List<ImageSpec> warm =
        specs.stream()
            .filter(x -> x.getSpec() != null && x.getSpec().warmBeforeSchedulingOrDefault())
            .toList();
    List<String> missing = missing(warm, statuses::get);
    if (s == State.TIMED_OUT) {
      if (missing.isEmpty()) {
        writeCondition(true, Reasons.CONVERGED, warmMessage(warm) + ", after the warm timeout");
        state = State.DONE;
      }
      return;
    }
    since = waitingSince(cached);
    boolean timedOut = !now.isBefore(since.plus(timeout));
    if (!missing.isEmpty()) {
      if (timedOut) {
        timeOut(cached, String.join("; ", missing));
      }
      return;
    }
    if (removeTaint()) {
      String message = warmMessage(warm);
      LOG.info("node {} is warm ({}): removed the taint {}", node, message, taintKey);
      writeCondition(true, Reasons.CONVERGED, message);
      state = State.DONE;
    } // else an API error, logged: the next pass tries again
  }

  /**
   * After a pass that failed as a whole: at the timeout the taint goes anyway, naming {@code why}.
   */
  void afterFailedPass(Node cached, String why, Instant now) {
    if (state != State.WAITING || now.isBefore(waitingSince(cached).plus(timeout))) {
      return;
    }
    if (cached == null || !tainted(cached)) {
      state = State.DONE;
      return;
    }
    timeOut(cached, "the agent's passes fail: " + why);
  }

  /** The timeout passed: the taint goes, the condition and a Warning Event say what is missing. */
  private void timeOut(Node cached, String notReady) {
    if (!removeTaint()) {
      return; // an API error, logged: the next pass tries again
    }
    String message =
        Conditions.shorten(
            "warm timeout "
                + GoDuration.format(timeout)
                + " passed: removed the taint "
                + taintKey
                + " anyway; not ready: "
                + notReady,
            MAX_MESSAGE);
    LOG.warn("node {}: {}", node, message);
    writeCondition(false, Reasons.TIMED_OUT, message);
    events.record(
        cached,
        EventRecorder.Type.Warning,
        Reasons.WARM_TIMED_OUT,
        "node " + node + ": " + message);
    state = State.TIMED_OUT;
  }

  /** When the next pass must run at the latest for the gate (null: no need). */
  Duration wakeWithin(Instant now) {
    if (state != State.WAITING) {
      return null;
    }
    Duration left = Duration.between(now, since.plus(timeout));
    return left.isNegative() || left.isZero() ? RETRY : left.plusMillis(100);
  }

  /** The warm specs not converged, each with the images not there (or why not). */
  static List<String> missing(List<ImageSpec> warm, Function<SpecKey, ImageSpecStatus> statusOf) {
    List<String> out = new ArrayList<>();
    for (ImageSpec spec : warm) {
      SpecKey key = SpecKey.of(spec);
      ImageSpecStatus st = statusOf.apply(key);
      if (st != null && st.isReady()) {
        continue;
      }
      List<String> images = new ArrayList<>();
      if (st != null && st.getImages() != null) {
        for (ImageStatus i : st.getImages()) {
          if (i.getState() != ImageState.Present && i.getState() != ImageState.Absent) {
            images.add(i.getImage() + " (" + i.getState() + ")");
          }
        }
      }
      if (images.isEmpty()) {
        images.add(
            st == null
                ? "not applied"
                : st.condition(Conditions.READY).map(c -> c.getMessage()).orElse("not ready"));
      }
      out.add(key + ": " + String.join(", ", images));
    }
    return out;
  }

  private static String warmMessage(List<ImageSpec> warm) {
    return warm.isEmpty()
        ? "no ImageSpec with warmBeforeScheduling selects this node"
        : warm.size() + " ImageSpec(s) with warmBeforeScheduling converged";
  }

  /** When the taint was added ({@code timeAdded}), if that is earlier than the agent's start. */
  private Instant waitingSince(Node n) {
    if (n == null || n.getSpec() == null || n.getSpec().getTaints() == null) {
      return startedAt;
    }
    for (Taint t : n.getSpec().getTaints()) {
      if (ours(t)) {
        Instant added = Conditions.parseTime(t.getTimeAdded());
        return added != null && added.isBefore(startedAt) ? added : startedAt;
      }
    }
    return startedAt;
  }

  private boolean tainted(Node n) {
    return n.getSpec() != null
        && n.getSpec().getTaints() != null
        && n.getSpec().getTaints().stream().anyMatch(this::ours);
  }

  private boolean ours(Taint t) {
    return taintKey.equals(t.getKey()) && EFFECT.equals(t.getEffect());
  }

  /**
   * Removes the taint: a JSON patch testing {@code /spec/taints} as read, then replacing it by the
   * other taints (or removing it when none is left). True when the taint is gone.
   */
  boolean removeTaint() {
    try {
      for (int attempt = 1; ; attempt++) {
        Node n = client.nodes().withName(node).get();
        List<Taint> taints = n == null || n.getSpec() == null ? null : n.getSpec().getTaints();
        if (taints == null || taints.stream().noneMatch(this::ours)) {
          return true;
        }
        List<Taint> kept = taints.stream().filter(t -> !ours(t)).toList();
        ArrayNode patch = JSON.createArrayNode();
        op(patch, "test", "/spec/taints").set("value", JSON.valueToTree(taints));
        if (kept.isEmpty()) {
          op(patch, "remove", "/spec/taints");
        } else {
          op(patch, "replace", "/spec/taints").set("value", JSON.valueToTree(kept));
        }
        try {
          client.nodes().withName(node).patch(PatchContext.of(PatchType.JSON), patch.toString());
          LOG.info("removed the taint {}:{} from node {}", taintKey, EFFECT, node);
          return true;
        } catch (KubernetesClientException e) {
          if (!changedMeanwhile(e) || attempt >= ATTEMPTS) {
            throw e;
          }
          LOG.debug("node {}'s taints changed while removing {}: reading again", node, taintKey);
        }
      }
    } catch (KubernetesClientException e) {
      LOG.warn(
          "cannot remove the taint {} from node {} (HTTP {}): {}; the agent needs patch on nodes"
              + " (deploy/base/rbac.yaml); trying again in {}",
          taintKey,
          node,
          e.getCode(),
          e.getMessage(),
          GoDuration.format(RETRY));
      return false;
    }
  }

  /**
   * Sets the condition {@code ImagesWarm} in the Node's status: a JSON patch testing {@code
   * /status/conditions} as read, then replacing this condition or adding it. The kubelet's
   * conditions are left as they are.
   */
  void writeCondition(boolean warm, String reason, String message) {
    String now = Conditions.time(Instant.now());
    try {
      for (int attempt = 1; ; attempt++) {
        Node n = client.nodes().withName(node).get();
        if (n == null) {
          return;
        }
        List<NodeCondition> conditions =
            n.getStatus() == null ? null : n.getStatus().getConditions();
        int index = -1;
        for (int i = 0; conditions != null && i < conditions.size(); i++) {
          if (Reasons.IMAGES_WARM.equals(conditions.get(i).getType())) {
            index = i;
          }
        }
        String status = warm ? "True" : "False";
        NodeCondition previous = index < 0 ? null : conditions.get(index);
        NodeCondition c =
            new NodeConditionBuilder()
                .withType(Reasons.IMAGES_WARM)
                .withStatus(status)
                .withReason(reason)
                .withMessage(Conditions.shorten(message, MAX_MESSAGE))
                .withLastHeartbeatTime(now)
                .withLastTransitionTime(
                    previous != null
                            && status.equals(previous.getStatus())
                            && previous.getLastTransitionTime() != null
                        ? previous.getLastTransitionTime()
                        : now)
                .build();
        ArrayNode patch = JSON.createArrayNode();
        if (conditions == null) {
          // no condition yet (a Node the kubelet has not reported on): nothing to keep
          op(patch, "add", "/status/conditions").set("value", JSON.valueToTree(List.of(c)));
        } else {
          op(patch, "test", "/status/conditions").set("value", JSON.valueToTree(conditions));
          if (index >= 0) {
            op(patch, "replace", "/status/conditions/" + index).set("value", JSON.valueToTree(c));
          } else {
            op(patch, "add", "/status/conditions/-").set("value", JSON.valueToTree(c));
          }
        }
        try {
          client
              .nodes()
              .withName(node)
              .subresource("status")
              .patch(PatchContext.of(PatchType.JSON), patch.toString());
          return;
        } catch (KubernetesClientException e) {
          if (!changedMeanwhile(e) || attempt >= ATTEMPTS) {
            throw e;
          }
        }
      }
    } catch (KubernetesClientException e) {
      LOG.warn(
          "cannot set the condition {} of node {} (HTTP {}): {}; the agent needs get and patch on"
              + " nodes/status (deploy/base/rbac.yaml)",
          Reasons.IMAGES_WARM,
          node,
          e.getCode(),
          e.getMessage());
    }
  }

  /** A JSON patch whose {@code test} failed: 409 from the API server, 422 from others. */
  private static boolean changedMeanwhile(KubernetesClientException e) {
    return e.getCode() == 409 || e.getCode() == 422;
  }

  private static ObjectNode op(ArrayNode patch, String op, String path) {
    ObjectNode o = patch.addObject();
    o.put("op", op);
    o.put("path", path);
    return o;
  }
}
