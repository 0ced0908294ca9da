package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.EngineBackend;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.TcpProxy;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator when the API server goes away and when its status writes conflict: an agent on
 * dockerd and a leader-elected aggregator, in this JVM, talk to Fabric8's CRUD mock API server
 * through a {@link TcpProxy} the test cuts (connections refused and dropped; the mock keeps its
 * objects); a {@link MockApiServer.Hook} records every status write and answers 409 or makes
 * another writer's change where a test asks.
 */
class OperatorApiServerTest {
  /**
   * How long the API server is away. Longer than the Lease's renew deadline (10 s) plus the time a
   * renewal under way keeps retrying (the client's 10 retries, about 19 s): the aggregator loses
   * its leadership and has to join the election again.
   */
  static final Duration OUTAGE = Duration.ofSeconds(30);

  static final Duration WAIT = Duration.ofSeconds(50);
  static final String NODE = "api-a";

  static MockApiServer server;
  static KubernetesClient client; // the test's, straight to the mock
  static KubernetesClient operatorClient; // the operator's, through the proxy
  static TcpProxy proxy;
  static EngineClient docker;
  static OperatorRuntime agent;
  static OperatorRuntime aggregator;
  static final List<String> published = new CopyOnWriteArrayList<>();
  static final HttpClient http = HttpClient.newHttpClient();

  /** One status write that reached the API server. */
  record Write(String path, String status, int code) {}

  static final List<Write> writes = new CopyOnWriteArrayList<>();

  /** What a test adds to the recording hook: answer a status write itself, or null. */
  static volatile MockApiServer.Hook extra;

  @BeforeAll
  static void start() throws Exception {
    MockApiServer.quiet();
    docker = TestEnv.docker().client();
    server = MockApiServer.crud().allowLeases();
    client = server.client();
    server.hook(OperatorApiServerTest::record);
    proxy = new TcpProxy(server.port());
    operatorClient = server.newClient(proxy.url());
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(NODE)
                .withLabels(Map.of("imagespec.test/api", "yes"))
                .endMetadata()
                .build())
        .create();
    InetSocketAddress anyPort = new InetSocketAddress("127.0.0.1", 0);
    agent =
        OperatorRuntime.start(
            OperatorOptions.agent(NODE, 4, CredentialResolver.none()).withHttp(anyPort),
            operatorClient,
            new EngineBackend(TestEnv.docker().client()));
    aggregator =
        OperatorRuntime.start(
            OperatorOptions.aggregator(true, "default").withHttp(anyPort), operatorClient, null);
  }

  @AfterAll
  static void stop() {
    if (aggregator != null) {
      aggregator.close();
    }
    if (agent != null) {
      agent.close();
    }
    if (operatorClient != null) {
      operatorClient.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (server != null) {
      server.close();
    }
    if (docker != null) {
      for (String ref : published) {
        try {
          docker.images().remove(ref, true, false);
        } catch (RuntimeException ignored) {
          // already gone
        }
      }
      docker.close();
    }
  }

  /** The recording hook: every status PATCH, with its {@code /status} value and the answer. */
  static MockResponse record(
      RecordedRequest request, Function<RecordedRequest, MockResponse> crud) {
    String path = request.getPath().split("\\?", 2)[0];
    if (!"PATCH".equals(request.getMethod()) || !path.endsWith("/status")) {
      return null;
    }
    String status = statusOf(MockApiServer.body(request)); // before the CRUD server reads it
    MockApiServer.Hook x = extra;
    MockResponse answer = x == null ? null : x.before(request, crud);
    if (answer == null) {
      answer = crud.apply(request);
    }
    writes.add(new Write(path, status, answer.code()));
    return answer;
  }

  /** The {@code add /status} value of a JSON patch, as JSON. */
  static String statusOf(String patch) {
    JsonNode ops = Serialization.unmarshal(patch, JsonNode.class);
    for (JsonNode op : ops) {
      if ("/status".equals(op.path("path").asText())) {
        return op.get("value").toString();
      }
    }
    return null;
  }

  static String specPath(String name) {
    return "/apis/imagespec.dev/v1alpha1/namespaces/default/imagespecs/" + name + "/status";
  }

  static final String NODE_PATH = "/apis/imagespec.dev/v1alpha1/imagenodes/" + NODE + "/status";

  static List<Write> writesTo(String path) {
    return writes.stream().filter(w -> w.path().equals(path)).toList();
  }

  /**
   * Each status write that succeeded changed the status: no status written twice in a row to one
   * object (409s, which wrote nothing, aside).
   */
  static void assertNoDuplicateWrites(String path) {
    String last = null;
    List<Write> landed = writesTo(path).stream().filter(w -> w.code() / 100 == 2).toList();
    for (Write w : landed) {
      assertThat(w.status()).as("a status written twice in a row to %s", path).isNotEqualTo(last);
      last = w.status();
    }
  }

  /** A fresh image in the plain registry, not on dockerd. */
  static String publish(String name) {
    String ref = TestEnv.registry() + "/apiserver/" + name + TestEnv.unique() + ":1";
    TestEnv.seed(docker, ref);
    docker.images().push(ref, PushOptions.defaults(), null);
    docker.images().remove(ref, false, false);
    published.add(ref);
    return ref;
  }

  static ImageSpec spec(String name, String... refs) {
    ImageSpecSpec s =
        ImageSpecSpec.of(
            java.util.Arrays.stream(refs).map(ImageEntry::of).toArray(ImageEntry[]::new));
    s.setNodeSelector(
        new LabelSelectorBuilder().withMatchLabels(Map.of("imagespec.test/api", "yes")).build());
    return ImageSpec.of("default", name, s);
  }

  static ImageSpec get(String name) {
    return client.resources(ImageSpec.class).inNamespace("default").withName(name).get();
  }

  static boolean ready(String name) {
    ImageSpec s = get(name);
    return s != null
        && s.getStatus() != null
        && s.getStatus().isReady()
        && s.getStatus().getNodes() != null
        && s.getStatus().getNodes().getReady() == 1
        && s.getMetadata().getGeneration().equals(s.getStatus().getObservedGeneration());
  }

  static Optional<ImageStatus> onNode(String spec, String ref) {
    ImageNode n = client.resources(ImageNode.class).withName(NODE).get();
    return n == null || n.getStatus() == null
        ? Optional.empty()
        : n.getStatus()
            .spec("default", spec)
            .map(NodeSpecStatus::getImages)
            .flatMap(l -> l.stream().filter(i -> i.getImage().equals(ref)).findFirst());
  }

  static HttpResponse<String> probe(OperatorRuntime rt, String path) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rt.httpPort() + path))
              .timeout(Duration.ofSeconds(5))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      // what the probe's server threads were doing, to tell a hang from a slow answer
      Thread.getAllStackTraces()
          .forEach(
              (t, stack) -> {
                if (t.getName().startsWith("imagespec-")) {
                  System.out.println("thread " + t.getName() + ": " + List.of(stack));
                }
              });
      throw new java.io.UncheckedIOException(path + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static boolean unready(OperatorRuntime rt) {
    HttpResponse<String> r = probe(rt, "/readyz");
    return r.statusCode() == 503 && r.body().contains("API server unreachable since ");
  }

  static boolean alive(OperatorRuntime rt) {
    return probe(rt, "/healthz").statusCode() == 200;
  }

  static boolean readyz(OperatorRuntime rt) {
    return probe(rt, "/readyz").statusCode() == 200;
  }

  static Duration since(Instant t) {
    return Duration.between(t, Instant.now());
  }

  @Test
  void staysUpWhileTheApiServerIsAwayAndReportsWhatHappenedOnceItIsBack() throws Exception {
    String a = publish("before");
    String b = publish("justbefore");
    String c = publish("during");
    client.resource(spec("before", a)).create();
    await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> ready("before"));
    ImageStatus beforeOutage = onNode("before", a).orElseThrow();
    assertThat(beforeOutage.getState()).isEqualTo(ImageState.Present);
    await().atMost(WAIT).until(() -> readyz(agent) && readyz(aggregator));

    // a spec created just before the outage: its event may or may not reach the operator first
    client.resource(spec("just-before", b)).create();
    proxy.cut();
    Instant cut = Instant.now();
    // during the outage, on the engine: the image goes behind the agent's back (the agent pulls it
    // again; its status must say so later); on the API server: a new spec
    docker.images().remove(a, false, false);
    client.resource(spec("during", c)).create();

    await()
        .atMost(Duration.ofSeconds(8))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> unready(agent) && unready(aggregator));
    String body = probe(agent, "/readyz").body();
    Instant reported =
        Instant.parse(body.replaceAll("(?s).*unreachable since (\\S+) .*", "$1").strip());
    assertThat(reported).isBetween(cut.minusSeconds(1), Instant.now());
    // the rest of the outage: never ready, always alive (no restart by the kubelet), still running
    Duration rest = OUTAGE.minus(since(cut));
    await()
        .during(rest)
        .atMost(rest.plusSeconds(5))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> alive(agent) && alive(aggregator) && unready(agent) && unready(aggregator));

    proxy.restore();
    Instant back = Instant.now();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> readyz(agent) && readyz(aggregator));
    Duration readyAfter = since(back);
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                ready("before")
                    && ready("just-before")
                    && ready("during")
                    && onNode("before", a)
                        .map(i -> Integer.valueOf(1).equals(i.getRemovedExternally()))
                        .orElse(false));
    Duration convergedAfter = since(back);
    assertThat(docker.images().exists(b)).isTrue();
    assertThat(docker.images().exists(c)).isTrue();
    assertThat(onNode("before", a).orElseThrow().getState()).isEqualTo(ImageState.Present);
    assertThat(alive(agent) && alive(aggregator)).isTrue();

    for (String path :
        List.of(NODE_PATH, specPath("before"), specPath("just-before"), specPath("during"))) {
      assertNoDuplicateWrites(path);
    }
    System.out.printf(
        "API server away %ss: ready again after %.1fs, converged after %.1fs; status writes"
            + " (PATCH, all answers): ImageNode %d, before %d, just-before %d, during %d%n",
        OUTAGE.toSeconds(),
        readyAfter.toMillis() / 1000.0,
        convergedAfter.toMillis() / 1000.0,
        writesTo(NODE_PATH).size(),
        writesTo(specPath("before")).size(),
        writesTo(specPath("just-before")).size(),
        writesTo(specPath("during")).size());
    System.out.println("status writes: " + writes);
  }

  @Test
  void conflictingStatusWritesAreRetriedAndConverge() {
    String ref = publish("conflicts");
    int n = 3;
    AtomicInteger nodeConflicts = new AtomicInteger();
    AtomicInteger specConflicts = new AtomicInteger();
    String specPath = specPath("conflicts");
    extra =
        (request, crud) -> {
          String path = request.getPath().split("\\?", 2)[0];
          if (path.equals(specPath) && specConflicts.getAndIncrement() < n) {
            return MockApiServer.conflict("imagespecs.imagespec.dev", "conflicts");
          }
          if (path.equals(NODE_PATH)
              && statusOf(MockApiServer.body(request)).contains("\"conflicts\"")
              && nodeConflicts.getAndIncrement() < n) {
            return MockApiServer.conflict("imagenodes.imagespec.dev", NODE);
          }
          return null;
        };
    try {
      int nodeBefore = writesTo(NODE_PATH).size();
      client.resource(spec("conflicts", ref)).create();
      await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> ready("conflicts"));
      assertThat(onNode("conflicts", ref).orElseThrow().getState()).isEqualTo(ImageState.Present);
      assertThat(specConflicts.get()).isGreaterThan(n);
      assertThat(nodeConflicts.get()).isGreaterThan(n);
      List<Write> spec = writesTo(specPath);
      assertThat(spec.stream().filter(w -> w.code() == 409)).hasSize(n);
      assertNoDuplicateWrites(specPath);
      assertNoDuplicateWrites(NODE_PATH);
      List<Write> node = writesTo(NODE_PATH).subList(nodeBefore, writesTo(NODE_PATH).size());
      assertThat(node.stream().filter(w -> w.code() == 409)).hasSize(n);
      System.out.printf(
          "%d injected 409s each: ImageSpec status writes %d (%d landed), ImageNode %d (%d"
              + " landed)%n",
          n,
          spec.size(),
          spec.stream().filter(w -> w.code() / 100 == 2).count(),
          node.size(),
          node.stream().filter(w -> w.code() / 100 == 2).count());
    } finally {
      extra = null;
    }
  }

  @Test
  void anotherWritersNewerStatusIsNotOverwrittenWithStaleData() {
    String ref = publish("concurrent");
    String specPath = specPath("concurrent");
    String marker = "2001-02-03T04:05:06Z";
    AtomicInteger armed = new AtomicInteger(1);
    Map<String, Integer> codes = new ConcurrentHashMap<>();
    extra =
        (request, crud) -> {
          String path = request.getPath().split("\\?", 2)[0];
          String status = statusOf(MockApiServer.body(request));
          if (!path.equals(specPath) || !status.contains("\"Converged\"")) {
            return null;
          }
          if (armed.getAndDecrement() != 1) {
            return null;
          }
          // just before the aggregator's first Ready status lands, another writer writes a newer
          // one: the same, but Ready since another time
          ObjectNode newer = (ObjectNode) Serialization.unmarshal(status, JsonNode.class);
          for (JsonNode cond : newer.withArray("conditions")) {
            if ("Ready".equals(cond.path("type").asText())) {
              ((ObjectNode) cond).put("lastTransitionTime", marker);
            }
          }
          MockResponse other =
              crud.apply(
                  MockApiServer.jsonPatch(
                      path, "[{\"op\":\"add\",\"path\":\"/status\",\"value\":" + newer + "}]"));
          codes.put("other", other.code());
          return null; // the aggregator's own write goes on: it was computed from the older one
        };
    try {
      client.resource(spec("concurrent", ref)).create();
      await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> ready("concurrent"));
      await().atMost(Duration.ofSeconds(10)).until(() -> armed.get() < 1);
      assertThat(codes.get("other") / 100).as("the other writer's answer").isEqualTo(2);
      List<Write> spec = writesTo(specPath);
      // the aggregator's stale write got 409; it aggregated again from the newer status, which
      // already said what it would write: nothing more to write
      Write stale =
          spec.stream().filter(w -> w.status().contains("\"Converged\"")).findFirst().orElseThrow();
      assertThat(stale.code()).isEqualTo(409);
      ImageSpecStatus now = get("concurrent").getStatus();
      assertThat(now.condition(ImageSpecStatus.READY).orElseThrow().getLastTransitionTime())
          .isEqualTo(marker);
      assertNoDuplicateWrites(specPath);
      List<String> landed =
          new ArrayList<>(
              spec.stream().filter(w -> w.code() / 100 == 2).map(Write::status).toList());
      assertThat(landed)
          .filteredOn(s -> s.contains("\"Converged\""))
          .allMatch(s -> s.contains(marker));
    } finally {
      extra = null;
    }
  }
}
