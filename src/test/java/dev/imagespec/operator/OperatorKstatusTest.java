package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageNodeStatus;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ImageSpec status the aggregator writes (the real aggregator on the CRUD mock API server; the
 * nodes' reports written into their ImageNodes directly, as agents would) read as Flux reads it: by
 * kstatus ({@code sigs.k8s.io/cli-utils/pkg/kstatus/status.Compute}, whose rules for a custom
 * resource {@link #kstatus} restates), and as {@code kubectl wait --for=condition=Ready} reads it:
 * its rule restated, and the real kubectl where there is one (under scripts/test there is); and
 * through the Argo CD health check.
 */
class OperatorKstatusTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  static final ObjectMapper JSON = new ObjectMapper();

  static MockApiServer server;
  static KubernetesClient client;
  static OperatorRuntime aggregator;
  static Path kubeconfig;
  static Path kubectl; // null: the real kubectl wait is not run, only its rule below

  @BeforeAll
  static void start() throws Exception {
    MockApiServer.quiet();
    server = MockApiServer.crud();
    // kubectl resolves imagespec/NAME through discovery
    server.hook((request, crud) -> MockApiServer.discovery(request));
    client = server.client();
    kubeconfig = server.kubeconfig(Files.createTempFile("kstatus-kubeconfig", ".yaml"));
    kubectl = ArgoHealthCheckTest.onPath("kubectl");
    if (kubectl == null && "1".equals(System.getenv("IMAGESPEC_REQUIRE_ENGINES"))) {
      throw new AssertionError("kubectl is not on PATH (scripts/test fetches one)");
    }
    aggregator = OperatorRuntime.start(OperatorOptions.aggregator(false, "default"), client, null);
  }

  @AfterAll
  static void stop() {
    if (aggregator != null) {
      aggregator.close();
    }
    if (kubeconfig != null) {
      try {
        Files.deleteIfExists(kubeconfig);
      } catch (java.io.IOException ignored) {
        // a temp file
      }
    }
    if (server != null) {
      server.close();
    }
  }

  /** kstatus's result for a custom resource: its status and message. */
  record Kstatus(String status, String message) {}

  /**
   * What kstatus computes for a resource of a kind it has no rules of its own for, in its order:
   * being deleted is Terminating; a {@code status.observedGeneration} (when there is one) other
   * than {@code metadata.generation} is InProgress; a {@code Reconciling} condition True is
   * InProgress, a {@code Stalled} one True is Failed; then the {@code Ready} condition: True is
   * Current, False or Unknown InProgress; with none of these, Current.
   */
  static Kstatus kstatus(JsonNode obj) {
    if (!obj.path("metadata").path("deletionTimestamp").asText().isEmpty()) {
      return new Kstatus("Terminating", "Resource scheduled for deletion");
    }
    JsonNode generation = obj.path("metadata").path("generation");
    JsonNode observed = obj.path("status").path("observedGeneration");
    if (generation.isNumber() && observed.isNumber() && generation.asLong() != observed.asLong()) {
      return new Kstatus("InProgress", "LatestGenerationNotObserved");
    }
    for (JsonNode c : obj.path("status").path("conditions")) {
      boolean isTrue = "True".equals(c.path("status").asText());
      if (isTrue && "Reconciling".equals(c.path("type").asText())) {
        return new Kstatus("InProgress", c.path("message").asText());
      }
      if (isTrue && "Stalled".equals(c.path("type").asText())) {
        return new Kstatus("Failed", c.path("message").asText());
      }
    }
    for (JsonNode c : obj.path("status").path("conditions")) {
      if ("Ready".equals(c.path("type").asText())) {
        String s = c.path("status").asText();
        if (s.equals("True")) {
          return new Kstatus("Current", "Resource is Ready");
        }
        if (s.equals("False") || s.equals("Unknown")) {
          return new Kstatus("InProgress", c.path("message").asText());
        }
      }
    }
    return new Kstatus("Current", "Resource is current");
  }

  /**
   * kubectl wait --for=condition=Ready: the Ready condition is True and was set for the current
   * generation (the condition's observedGeneration, else the status's, is not below it).
   */
  static boolean kubectlWaitReady(JsonNode obj) {
    long generation = obj.path("metadata").path("generation").asLong();
    for (JsonNode c : obj.path("status").path("conditions")) {
      if (!"Ready".equalsIgnoreCase(c.path("type").asText())) {
        continue;
      }
      JsonNode observed = c.path("observedGeneration");
      if (!observed.isNumber()) {
        observed = obj.path("status").path("observedGeneration");
      }
      if (observed.isNumber() && observed.asLong() < generation) {
        return false;
      }
      return "True".equalsIgnoreCase(c.path("status").asText());
    }
    return false;
  }

  /**
   * Whether the real {@code kubectl wait --for=condition=Ready imagespec/NAME} returns within
   * {@code timeout} (true when there is no kubectl and the restated rule says so). The mock answers
   * kubectl's list but not its (HTTP) watch, so kubectl decides on the object as listed: what it
   * finds when it starts, which is what this asks.
   */
  static boolean kubectlWait(String name, boolean expected, String timeout) throws Exception {
    if (kubectl == null) {
      return expected;
    }
    ProcessBuilder pb =
        new ProcessBuilder(
                kubectl.toString(),
                "wait",
                "--for=condition=Ready",
                "imagespec/" + name,
                "--timeout=" + timeout)
            .redirectErrorStream(true);
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    if (p.exitValue() == 0) {
      assertThat(out).contains("imagespec.imagespec.dev/" + name + " condition met");
      return true;
    }
    assertThat(out).contains("timed out waiting for the condition");
    return false;
  }

  /** Argo CD's health of the object as the API server holds it (ArgoHealthCheckTest's script). */
  static String argo(ImageSpec s) throws Exception {
    ArgoHealthCheckTest.requireLua();
    return ArgoHealthCheckTest.check(s).status();
  }

  static JsonNode json(ImageSpec s) throws Exception {
    return JSON.readTree(Serialization.asJson(s));
  }

  static ImageSpec get(String name) {
    return client.resources(ImageSpec.class).inNamespace("default").withName(name).get();
  }

  /** The spec once {@code until} holds for its status. */
  static ImageSpec awaitSpec(String name, Predicate<ImageSpec> until) {
    return await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> get(name), s -> s != null && s.getStatus() != null && until.test(s));
  }

  /** Writes {@code node}'s report on {@code spec}, as its agent would. */
  static void report(String node, ImageSpec spec, ImageState state, String message) {
    NodeSpecStatus e = new NodeSpecStatus();
    e.setNamespace("default");
    e.setName(spec.getMetadata().getName());
    e.setUid(spec.getMetadata().getUid());
    Long generation = spec.getMetadata().getGeneration();
    e.setObservedGeneration(generation);
    boolean ok = state == ImageState.Present;
    boolean failed = state == ImageState.Failed;
    Instant now = Instant.now();
    e.setConditions(
        List.of(
            Conditions.of(
                null,
                "Ready",
                ok,
                ok ? "Converged" : failed ? "PullFailed" : "Pending",
                message,
                generation,
                now),
            Conditions.of(
                null,
                "Degraded",
                failed,
                failed ? "PullFailed" : "AsExpected",
                message,
                generation,
                now)));
    List<ImageStatus> images = new ArrayList<>();
    for (ImageEntry i : spec.getSpec().getImages()) {
      images.add(new ImageStatus(i.getImage(), state, null, null, message, null));
    }
    e.setImages(images);
    ImageNode n = client.resources(ImageNode.class).withName(node).get();
    if (n == null) {
      n = client.resource(ImageNode.of(node)).create();
    }
    ImageNodeStatus st = new ImageNodeStatus();
    st.setSpecs(List.of(e));
    n.setStatus(st);
    client.resource(n).updateStatus();
  }

  @Test
  void theStatusFollowsKstatusAndKubectlWaitThroughARollout() throws Exception {
    String name = "ks-" + TestEnv.unique();
    String n1 = name + "-n1";
    String n2 = name + "-n2";
    ImageSpec spec =
        client
            .resource(
                ImageSpec.of("default", name, ImageSpecSpec.of(ImageEntry.of("example.test/a:1"))))
            .create();
    assertThat(spec.getMetadata().getGeneration()).isEqualTo(1L);

    // one node converged, the other still pulling: in progress, not Ready
    report(n1, spec, ImageState.Present, "pulled");
    report(n2, spec, ImageState.Waiting, "pulling");
    ImageSpec rolling =
        awaitSpec(
            name,
            s ->
                s.getStatus().getNodes() != null
                    && s.getStatus().getNodes().getDesired() == 2
                    && s.getStatus().getNodes().getReady() == 1);
    assertThat(kstatus(json(rolling)).status()).isEqualTo("InProgress");
    assertThat(kubectlWaitReady(json(rolling))).isFalse();
    assertThat(kubectlWait(name, false, "2s")).isFalse();
    assertThat(argo(rolling)).isEqualTo("Progressing");
    assertConventions(rolling);
    String readyFalseSince = ready(rolling).getLastTransitionTime();

    // both converged: Current, and kubectl wait returns
    report(n2, spec, ImageState.Present, "pulled");
    ImageSpec done = awaitSpec(name, s -> s.getStatus().isReady());
    assertThat(done.getStatus().getObservedGeneration())
        .isEqualTo(done.getMetadata().getGeneration());
    assertThat(kstatus(json(done))).isEqualTo(new Kstatus("Current", "Resource is Ready"));
    assertThat(kubectlWaitReady(json(done))).isTrue();
    assertThat(kubectlWait(name, true, "20s")).isTrue();
    assertThat(argo(done)).isEqualTo("Healthy");
    assertConventions(done);
    assertThat(Conditions.parseTime(ready(done).getLastTransitionTime()))
        .isAfterOrEqualTo(Conditions.parseTime(readyFalseSince));

    // the spec edited (generation 2): until the aggregator has written a status for it, kstatus
    // sees an unobserved generation, and kubectl wait ignores Ready of generation 1
    done.getSpec()
        .setImages(List.of(ImageEntry.of("example.test/a:1"), ImageEntry.of("example.test/b:2")));
    JsonNode edited = json(done);
    ((com.fasterxml.jackson.databind.node.ObjectNode) edited.path("metadata")).put("generation", 2);
    assertThat(kstatus(edited).status()).isEqualTo("InProgress");
    assertThat(kubectlWaitReady(edited)).isFalse();
    ImageSpec updated = client.resource(done).update();
    assertThat(updated.getMetadata().getGeneration()).isEqualTo(2L);
    // the aggregator observes generation 2; the nodes' reports are of generation 1: in progress
    ImageSpec observed =
        awaitSpec(name, s -> Long.valueOf(2L).equals(s.getStatus().getObservedGeneration()));
    assertThat(kstatus(json(observed)).status()).isEqualTo("InProgress");
    assertThat(kubectlWaitReady(json(observed))).isFalse();
    assertConventions(observed);

    // a failure: Degraded True (the abnormal-true condition), Ready False with the cause;
    // kstatus stays InProgress (no Stalled condition: the agent retries), naming the failure
    report(n1, updated, ImageState.Present, "pulled");
    report(n2, updated, ImageState.Failed, "PullFailed: example.test/b:2 not found");
    ImageSpec failed =
        awaitSpec(
            name, s -> s.getStatus().isDegraded() && s.getStatus().getNodes().getFailed() == 1);
    Kstatus k = kstatus(json(failed));
    assertThat(k.status()).isEqualTo("InProgress");
    assertThat(k.message()).contains("node " + n2 + ": PullFailed: example.test/b:2 not found");
    assertThat(kubectlWaitReady(json(failed))).isFalse();
    assertThat(kubectlWait(name, false, "2s")).isFalse();
    assertThat(argo(failed)).isEqualTo("Degraded");
    assertConventions(failed);

    // fixed: Current again, and Ready's transition time moved with its status
    report(n2, updated, ImageState.Present, "pulled");
    ImageSpec again = awaitSpec(name, s -> s.getStatus().isReady());
    assertThat(kstatus(json(again)).status()).isEqualTo("Current");
    assertThat(kubectlWaitReady(json(again))).isTrue();
    assertThat(kubectlWait(name, true, "20s")).isTrue();
    assertThat(Conditions.parseTime(ready(again).getLastTransitionTime()))
        .isAfterOrEqualTo(Conditions.parseTime(ready(failed).getLastTransitionTime()));
    assertConventions(again);

    // with no aggregator to observe it, an edit leaves Ready True of the previous generation:
    // kstatus and kubectl wait both see that it is not about the spec as it is now
    aggregator.close();
    aggregator = null;
    again.getSpec().setImages(List.of(ImageEntry.of("example.test/c:3")));
    ImageSpec stale = client.resource(again).update();
    assertThat(stale.getMetadata().getGeneration()).isEqualTo(3L);
    stale = get(name);
    assertThat(stale.getStatus().isReady()).isTrue();
    assertThat(stale.getStatus().getObservedGeneration()).isEqualTo(2L);
    assertThat(kstatus(json(stale)).status()).isEqualTo("InProgress");
    assertThat(kubectlWaitReady(json(stale))).isFalse();
    assertThat(argo(stale)).isEqualTo("Progressing");
    assertThat(kubectlWait(name, false, "2s")).isFalse();
  }

  static Condition ready(ImageSpec s) {
    return s.getStatus().condition(Conditions.READY).orElseThrow();
  }

  /**
   * The conventions kstatus and kubectl rely on: status.observedGeneration is the generation; the
   * Ready, Progressing and Degraded conditions are there once each, with status True or False, a
   * CamelCase reason, a message, lastTransitionTime (RFC 3339) and observedGeneration; Ready is
   * never True with Progressing or Degraded.
   */
  static void assertConventions(ImageSpec s) {
    assertThat(s.getStatus().getObservedGeneration()).isEqualTo(s.getMetadata().getGeneration());
    List<Condition> conditions = s.getStatus().getConditions();
    assertThat(conditions)
        .extracting(Condition::getType)
        .containsExactlyInAnyOrder("Ready", "Progressing", "Degraded");
    for (Condition c : conditions) {
      assertThat(c.getStatus()).as(c.getType()).isIn("True", "False");
      assertThat(c.getReason()).as(c.getType()).matches("[A-Z][A-Za-z0-9]*");
      assertThat(c.getMessage()).as(c.getType()).isNotBlank();
      assertThat(Conditions.parseTime(c.getLastTransitionTime())).as(c.getType()).isNotNull();
      assertThat(c.getObservedGeneration())
          .as(c.getType())
          .isEqualTo(s.getMetadata().getGeneration());
    }
    if (s.getStatus().isReady()) {
      assertThat(s.getStatus().isDegraded()).isFalse();
      assertThat(Conditions.isTrue(conditions, Conditions.PROGRESSING)).isFalse();
    }
  }
}
