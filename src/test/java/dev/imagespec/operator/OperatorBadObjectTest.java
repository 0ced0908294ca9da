package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.EngineBackend;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One ImageSpec this version cannot read must not stop the operator (issue #13): a field it does
 * not know (a newer CRD during a rolling upgrade) is ignored and the spec applied; a field of the
 * wrong type makes that one spec InvalidSpec (status and Event) while every other spec converges on
 * the real engine — whether the bad object is there when the agent and aggregator start or arrives
 * while they run. The objects are written raw (as JSON) to the CRUD mock API server, which, like an
 * API server without schema pruning of these fields, keeps them as sent.
 */
class OperatorBadObjectTest {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final ResourceDefinitionContext SPECS =
      new ResourceDefinitionContext.Builder()
          .withGroup(ImageSpec.GROUP)
          .withVersion(ImageSpec.VERSION)
          .withKind(ImageSpec.KIND)
          .withPlural("imagespecs")
          .withNamespaced(true)
          .build();

  static MockApiServer server;
  static KubernetesClient client;
  static EngineClient docker;
  static final List<String> pushed = new CopyOnWriteArrayList<>();
  static final List<OperatorRuntime> runtimes = new ArrayList<>();

  // present before the operator starts
  static String goodRef;
  static String unknownRef;
  static String wrongIntervalRef;

  @BeforeAll
  static void start() throws Exception {
    MockApiServer.quiet();
    docker = TestEnv.docker().client();
    server = MockApiServer.crud();
    client = server.client();
    client
        .nodes()
        .resource(new NodeBuilder().withNewMetadata().withName("node-a").endMetadata().build())
        .create();
    goodRef = published("good");
    unknownRef = published("unknown");
    wrongIntervalRef = published("interval");
    client
        .resource(ImageSpec.of("default", "good", ImageSpecSpec.of(ImageEntry.of(goodRef))))
        .create();
    raw("unknown-at-start", unknownFields(unknownRef));
    raw("wrong-images-at-start", "{\"images\":5}");
    raw(
        "wrong-interval-at-start",
        "{\"images\":[{\"image\":\"" + wrongIntervalRef + "\"}],\"refreshInterval\":{\"a\":1}}");

    // both start (a list that holds the bad objects) and run
    runtimes.add(
        OperatorRuntime.start(
            OperatorOptions.agent("node-a", 2, CredentialResolver.none()),
            client,
            new EngineBackend(TestEnv.docker().client())));
    runtimes.add(OperatorRuntime.start(OperatorOptions.aggregator(false, "default"), client, null));
  }

  @AfterAll
  static void stop() {
    for (OperatorRuntime r : runtimes) {
      r.close();
    }
    if (server != null) {
      server.close();
    }
    if (docker != null) {
      for (String ref : pushed) {
        try {
          docker.images().remove(ref, true, false);
        } catch (RuntimeException ignored) {
          // never pulled
        }
      }
      docker.close();
    }
  }

  /** Pushes a fresh image to the plain registry and removes it locally; returns its reference. */
  static String published(String name) {
    String ref = TestEnv.registry() + "/badobj/" + name + TestEnv.unique() + ":1.0";
    TestEnv.seed(docker, ref);
    docker.images().push(ref, PushOptions.defaults(), null);
    docker.images().remove(ref, false, false);
    pushed.add(ref);
    return ref;
  }

  /** A spec with fields this version does not know, in the spec and in an image entry. */
  static String unknownFields(String ref) {
    return "{\"images\":[{\"image\":\""
        + ref
        + "\",\"futureEntryField\":{\"x\":1}}],\"futureField\":[\"a\"],\"pullPolicy\":\"IfNotPresent\"}";
  }

  /** Creates an ImageSpec from raw JSON for its spec, as a newer version or a person might. */
  static void raw(String name, String specJson) {
    GenericKubernetesResource r =
        Serialization.unmarshal(
            "{\"apiVersion\":\""
                + ImageSpec.API_VERSION
                + "\",\"kind\":\"ImageSpec\",\"metadata\":{\"name\":\""
                + name
                + "\",\"namespace\":\"default\"},\"spec\":"
                + specJson
                + "}",
            GenericKubernetesResource.class);
    client.genericKubernetesResources(SPECS).inNamespace("default").resource(r).create();
  }

  static GenericKubernetesResource rawGet(String name) {
    return client.genericKubernetesResources(SPECS).inNamespace("default").withName(name).get();
  }

  static ImageSpecStatus status(String name) {
    return await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              ImageSpec s =
                  client.resources(ImageSpec.class).inNamespace("default").withName(name).get();
              return s == null ? null : s.getStatus();
            },
            st -> st != null && (st.isReady() || st.isDegraded()));
  }

  static void assertConverged(String name, String ref) {
    ImageSpecStatus st = status(name);
    assertThat(st.isReady()).as("%s: %s", name, st.getConditions()).isTrue();
    assertThat(docker.images().exists(ref)).isTrue();
  }

  static void assertInvalid(String name, String field, String value, String ref) {
    ImageSpecStatus st = status(name);
    Condition degraded = st.condition(ImageSpecStatus.DEGRADED).orElseThrow();
    assertThat(degraded.getReason()).isEqualTo("InvalidSpec");
    assertThat(degraded.getMessage()).contains(field, value, "correct the field");
    Condition ready = st.condition(ImageSpecStatus.READY).orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("InvalidSpec");
    await()
        .atMost(WAIT)
        .until(
            () ->
                client.v1().events().inNamespace("default").list().getItems().stream()
                    .anyMatch(
                        e ->
                            "InvalidSpec".equals(e.getReason())
                                && name.equals(e.getInvolvedObject().getName())
                                && e.getMessage().contains(field)));
    // the agent reports it on its ImageNode, and applies nothing of it
    NodeSpecStatus entry =
        await()
            .atMost(WAIT)
            .until(
                () -> {
                  ImageNode n = client.resources(ImageNode.class).withName("node-a").get();
                  return n == null || n.getStatus() == null
                      ? null
                      : n.getStatus().spec("default", name).orElse(null);
                },
                e -> e != null);
    assertThat(entry.isDegraded()).isTrue();
    if (ref != null) {
      assertThat(docker.images().exists(ref)).isFalse();
    }
  }

  @Test
  void badSpecsPresentAtStartDoNotStopTheOperator() {
    assertConverged("good", goodRef);
    // unknown fields ignored, the known ones applied; the object keeps the fields on the server
    assertConverged("unknown-at-start", unknownRef);
    Map<String, Object> spec = rawGet("unknown-at-start").get("spec");
    assertThat(spec).containsKey("futureField");
    assertThat(rawGet("unknown-at-start").getMetadata().getFinalizers())
        .contains(AggregatorReconciler.FINALIZER);

    assertInvalid("wrong-images-at-start", "spec.images", "5", null);
    assertInvalid("wrong-interval-at-start", "spec.refreshInterval", "{\"a\":1}", wrongIntervalRef);
    assertThat((Object) rawGet("wrong-images-at-start").get("spec", "images")).isEqualTo(5);
    for (OperatorRuntime r : runtimes) {
      assertThat(r.readiness()).isNull();
    }
  }

  @Test
  void badSpecsCreatedWhileRunningDoNotStopTheOperator() {
    String unknown = published("unknownlater");
    String interval = published("intervallater");
    String good = published("goodlater");
    raw("unknown-later", unknownFields(unknown));
    raw("wrong-images-later", "{\"images\":5}");
    raw(
        "wrong-interval-later",
        "{\"images\":[{\"image\":\"" + interval + "\"}],\"refreshInterval\":{\"a\":1}}");
    // the watches go on: a spec created after the bad ones converges
    client
        .resource(ImageSpec.of("default", "good-later", ImageSpecSpec.of(ImageEntry.of(good))))
        .create();

    assertConverged("good-later", good);
    assertConverged("unknown-later", unknown);
    assertInvalid("wrong-images-later", "spec.images", "5", null);
    assertInvalid("wrong-interval-later", "spec.refreshInterval", "{\"a\":1}", interval);

    // corrected, it is applied
    client
        .genericKubernetesResources(SPECS)
        .inNamespace("default")
        .withName("wrong-interval-later")
        .edit(
            r -> {
              Map<String, Object> spec = r.get("spec");
              spec.put("refreshInterval", "10m");
              return r;
            });
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> status("wrong-interval-later").isReady());
    assertThat(docker.images().exists(interval)).isTrue();
    for (OperatorRuntime r : runtimes) {
      assertThat(r.readiness()).isNull();
    }
  }
}
