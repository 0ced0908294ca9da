package dev.imagespec.testing;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatchException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * Fabric8's mock Kubernetes API server on the loopback interface, as the operator tests and
 * benchmarks use it: {@link #crud()} keeps the objects it is sent (a small API server, with
 * imagespec's CRDs from {@code crds/} installed; a JSON patch whose {@code test} fails gets 422 as
 * from the API server), {@link #expectations()} answers only what the test told it to ({@link
 * #server()}{@code .expect()...}) and 404 to everything else. On the CRUD server a {@link Hook}
 * sees each request first (to answer 409, or to make another writer's change just before) and
 * {@link #requests()} lists them. Close it to stop the server and the clients it made.
 */
public final class MockApiServer implements AutoCloseable {
  /** The CRDs that {@code kubectl apply -k deploy/} installs. */
  public static final List<String> CRDS =
      List.of("imagespecs.imagespec.dev-v1.yml", "imagenodes.imagespec.dev-v1.yml");

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final Queue<String> requests = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private volatile Hook hook;

  /** What a test does with a request before the CRUD server sees it. */
  @FunctionalInterface
  public interface Hook {
    /**
     * Answers {@code request} itself, or returns null to let the CRUD server answer it. {@code
     * crud} applies a request at once, e.g. another writer's change made just before this one.
     */
    MockResponse before(
        RecordedRequest request, java.util.function.Function<RecordedRequest, MockResponse> crud);
  }

  private MockApiServer(boolean crud) {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    Dispatcher dispatcher =
        crud
            ? new KubernetesMixedDispatcher(responses) {
              // a JSON patch that does not apply (a failed test op): the API server answers 422;
              // the mock would leave the request unanswered
              @Override
              public MockResponse dispatch(RecordedRequest request) {
                requests.add(request.getMethod() + " " + request.getPath());
                Hook h = hook;
                if (h != null) {
                  MockResponse answer = h.before(request, this::crud);
                  if (answer != null) {
                    return answer;
                  }
                }
                return crud(request);
              }

              private MockResponse crud(RecordedRequest request) {
                try {
                  return super.dispatch(request);
                } catch (JsonPatchException e) {
                  return new MockResponse()
                      .setResponseCode(422)
                      .setBody(
                          Serialization.asJson(
                              new StatusBuilder()
                                  .withStatus("Failure")
                                  .withCode(422)
                                  .withMessage(e.getMessage())
                                  .build()));
                }
              }
            }
            : new io.fabric8.mockwebserver.internal.MockDispatcher(responses);
    server =
        new KubernetesMockServer(
            new io.fabric8.mockwebserver.Context(Serialization.jsonMapper()),
            new MockWebServer(),
            responses,
            dispatcher,
            false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
  }

  /** A CRUD server with imagespec's CRDs installed. */
  public static MockApiServer crud() {
    MockApiServer s = new MockApiServer(true);
    try {
      s.installCrds();
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** A server that answers only the expectations set on {@link #server()}, else 404. */
  public static MockApiServer expectations() {
    return new MockApiServer(false);
  }

  /** Keeps the mock server's per-request INFO lines (java.util.logging) out of the output. */
  public static void quiet() {
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver")
        .setLevel(java.util.logging.Level.WARNING);
  }

  private void installCrds() {
    for (String f : CRDS) {
      try {
        CustomResourceDefinition crd =
            Serialization.unmarshal(
                Files.readString(Path.of("crds", f)), CustomResourceDefinition.class);
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * JOSDK checks its Lease rights with a SelfSubjectRulesReview before electing a leader: answer
   * that this client may get, create and update Leases.
   */
  public MockApiServer allowLeases() {
    SelfSubjectRulesReview review =
        new SelfSubjectRulesReviewBuilder()
            .withNewStatus()
            .addNewResourceRule()
            .withApiGroups("coordination.k8s.io")
            .withResources("leases")
            .withVerbs("get", "create", "update")
            .endResourceRule()
            .withIncomplete(false)
            .endStatus()
            .build();
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, review)
        .always();
    return this;
  }

  /**
   * API discovery for imagespec's CRDs, which the CRUD server does not serve: {@code /apis} (the
   * group list) and {@code /apis/GROUP/VERSION} (the resources, with singular and short names), as
   * the API server derives them from the CRDs; null for any other request. A {@link Hook} for a
   * client that resolves {@code KIND/NAME} through discovery, such as kubectl.
   */
  public static MockResponse discovery(RecordedRequest request) {
    if (!"GET".equals(request.getMethod())) {
      return null;
    }
    String path = request.getPath();
    int q = path.indexOf('?');
    path = q < 0 ? path : path.substring(0, q);
    List<CustomResourceDefinition> crds = new java.util.ArrayList<>();
    for (String f : CRDS) {
      try {
        crds.add(
            Serialization.unmarshal(
                Files.readString(Path.of("crds", f)), CustomResourceDefinition.class));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Object answer = null;
    if (path.equals("/apis")) {
      io.fabric8.kubernetes.api.model.APIGroupListBuilder groups =
          new io.fabric8.kubernetes.api.model.APIGroupListBuilder();
      Map<String, List<String>> versions = new java.util.TreeMap<>();
      for (CustomResourceDefinition crd : crds) {
        crd.getSpec().getVersions().stream()
            .filter(v -> Boolean.TRUE.equals(v.getServed()))
            .forEach(
                v ->
                    versions
                        .computeIfAbsent(crd.getSpec().getGroup(), g -> new java.util.ArrayList<>())
                        .add(v.getName()));
      }
      versions.forEach(
          (group, vs) -> {
            List<io.fabric8.kubernetes.api.model.GroupVersionForDiscovery> gvs =
                vs.stream()
                    .distinct()
                    .map(
                        v ->
                            new io.fabric8.kubernetes.api.model.GroupVersionForDiscovery(
                                group + "/" + v, v))
                    .toList();
            groups
                .addNewGroup()
                .withName(group)
                .withVersions(gvs)
                .withPreferredVersion(gvs.get(0))
                .endGroup();
          });
      answer = groups.build();
    } else {
      for (CustomResourceDefinition crd : crds) {
        for (var v : crd.getSpec().getVersions()) {
          String gv = crd.getSpec().getGroup() + "/" + v.getName();
          if (!path.equals("/apis/" + gv)) {
            continue;
          }
          var names = crd.getSpec().getNames();
          boolean namespaced = "Namespaced".equals(crd.getSpec().getScope());
          io.fabric8.kubernetes.api.model.APIResourceListBuilder list =
              answer instanceof io.fabric8.kubernetes.api.model.APIResourceList l
                  ? new io.fabric8.kubernetes.api.model.APIResourceListBuilder(l)
                  : new io.fabric8.kubernetes.api.model.APIResourceListBuilder()
                      .withGroupVersion(gv);
          list.addNewResource()
              .withName(names.getPlural())
              .withSingularName(names.getSingular())
              .withShortNames(names.getShortNames())
              .withKind(names.getKind())
              .withNamespaced(namespaced)
              .withVerbs(
                  "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
              .endResource();
          if (v.getSubresources() != null && v.getSubresources().getStatus() != null) {
            list.addNewResource()
                .withName(names.getPlural() + "/status")
                .withSingularName("")
                .withKind(names.getKind())
                .withNamespaced(namespaced)
                .withVerbs("get", "patch", "update")
                .endResource();
          }
          answer = list.build();
        }
      }
    }
    return answer == null
        ? null
        : new MockResponse()
            .setResponseCode(200)
            .setHeader("Content-Type", "application/json")
            .setBody(Serialization.asJson(answer));
  }

  /** Sets (null: removes) the hook that sees every request first (CRUD server only). */
  public void hook(Hook h) {
    hook = h;
  }

  /** The requests so far (CRUD server only), as {@code METHOD path?query}. */
  public List<String> requests() {
    return List.copyOf(requests);
  }

  /** Requests so far with this method whose path (with query) ends with {@code suffix}. */
  public long count(String method, String suffix) {
    return requests.stream()
        .filter(r -> r.startsWith(method + " ") && r.split("\\?", 2)[0].endsWith(suffix))
        .count();
  }

  /** A request's body, without consuming it (the CRUD server reads it after a hook). */
  public static String body(RecordedRequest request) {
    return new String(request.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** A JSON patch request, as a client would send it; for {@link Hook}s. */
  public static RecordedRequest jsonPatch(String path, String patch) {
    return new RecordedRequest(
        "HTTP/1.1",
        io.fabric8.mockwebserver.dsl.HttpMethod.PATCH,
        path,
        io.fabric8.mockwebserver.http.Headers.builder()
            .add("Content-Type", "application/json-patch+json")
            .build(),
        new io.fabric8.mockwebserver.http.Buffer(
            patch.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  /** The API server's 409 Conflict for {@code kind} {@code name}. */
  public static MockResponse conflict(String kind, String name) {
    return new MockResponse()
        .setResponseCode(409)
        .setBody(
            Serialization.asJson(
                new StatusBuilder()
                    .withStatus("Failure")
                    .withCode(409)
                    .withReason("Conflict")
                    .withMessage(
                        "Operation cannot be fulfilled on "
                            + kind
                            + " \""
                            + name
                            + "\": the object has been modified; please apply your changes to"
                            + " the latest version and try again")
                    .build()));
  }

  /** The underlying server, for expectations. */
  public KubernetesMockServer server() {
    return server;
  }

  /** A client of this server (closed with it). */
  public KubernetesClient client() {
    return client;
  }

  /** Another client of this server, with its own connections (the caller closes it). */
  public KubernetesClient newClient() {
    return server.createClient();
  }

  /**
   * A new client of this server that connects through {@code url} (e.g. a {@link TcpProxy}'s); the
   * caller closes it.
   */
  public KubernetesClient newClient(String url) {
    io.fabric8.kubernetes.client.Config config;
    try (KubernetesClient base = server.createClient()) {
      config =
          new io.fabric8.kubernetes.client.ConfigBuilder(base.getConfiguration())
              .withMasterUrl(url)
              .build();
    }
    return new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).build();
  }

  /** The server's URL, http://127.0.0.1:PORT/. */
  public String url() {
    return client.getMasterUrl().toString();
  }

  public int port() {
    return server.getPort();
  }

  /**
   * Writes a kubeconfig for this server (token {@code not-a-secret}, namespace {@code default}) to
   * {@code file}, for a process started with {@code KUBECONFIG}.
   */
  public Path kubeconfig(Path file) throws IOException {
    return writeKubeconfig(file, url());
  }

  /** A kubeconfig naming {@code url} as the API server. */
  public static Path writeKubeconfig(Path file, String url) throws IOException {
    Files.writeString(
        file,
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: mock",
            "  cluster: {server: '" + url + "'}",
            "users:",
            "- name: test",
            "  user: {token: not-a-secret}",
            "contexts:",
            "- name: mock",
            "  context: {cluster: mock, user: test, namespace: default}",
            "current-context: mock",
            ""));
    return file;
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      server.destroy();
    }
  }
}
