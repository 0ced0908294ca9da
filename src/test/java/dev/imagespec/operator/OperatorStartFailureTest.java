package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code imagespec operator} as its own process when it cannot start: each cause is named with what
 * to do, on stderr, and the exit code is 1. Fabric8's mock API server (through a kubeconfig) plays
 * an unreachable, CRD-less or forbidding API server.
 */
class OperatorStartFailureTest {
  @TempDir Path dir;

  record Result(int code, String err) {}

  @Test
  void anUnreachableApiServerIsNamedWithTheError() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port + "/";
    Path kubeconfig = MockApiServer.writeKubeconfig(dir.resolve("kubeconfig"), url);
    Result r = run(kubeconfig, "all", "--node", "n1", "--host", TestEnv.docker().host());
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    assertThat(r.err())
        .contains("imagespec: cannot start: cannot reach the Kubernetes API server at " + url)
        .contains("Failed to connect")
        .contains("KUBECONFIG");
  }

  @Test
  void aMissingCrdIsNamedWithHowToInstallIt() throws Exception {
    try (MockApiServer api = MockApiServer.expectations()) {
      Path kubeconfig = api.kubeconfig(dir.resolve("kubeconfig"));
      // the agent creates its ImageNode first
      Result all = run(kubeconfig, "all", "--node", "n1", "--host", TestEnv.docker().host());
      assertThat(all.code()).as(all.err()).isEqualTo(1);
      assertThat(all.err())
          .contains(
              "imagespec: cannot start: the CustomResourceDefinition imagenodes.imagespec.dev is"
                  + " not installed")
          .contains("kubectl apply -k deploy/");
      // the aggregator's informer lists the ImageSpecs
      Result aggregator = run(kubeconfig, "aggregator", "--no-leader-election");
      assertThat(aggregator.code()).as(aggregator.err()).isEqualTo(1);
      assertThat(aggregator.err())
          .contains("imagespecs.imagespec.dev is not installed")
          .contains("kubectl apply -k deploy/");
    }
  }

  @Test
  void aForbiddenRequestNamesTheVerbResourceAndNamespace() throws Exception {
    try (MockApiServer api = MockApiServer.crud()) {
      String message =
          "imagenodes.imagespec.dev \"n1\" is forbidden: User"
              + " \"system:serviceaccount:imagespec-system:imagespec-agent\" cannot get resource"
              + " \"imagenodes\" in API group \"imagespec.dev\" at the cluster scope";
      api.server()
          .expect()
          .get()
          .withPath("/apis/imagespec.dev/v1alpha1/imagenodes/n1")
          .andReturn(
              403,
              new StatusBuilder()
                  .withStatus("Failure")
                  .withReason("Forbidden")
                  .withCode(403)
                  .withMessage(message)
                  .withNewDetails()
                  .withName("n1")
                  .withGroup("imagespec.dev")
                  .withKind("imagenodes")
                  .endDetails()
                  .build())
          .always();
      Result r =
          run(
              api.kubeconfig(dir.resolve("kubeconfig")),
              "agent",
              "--node",
              "n1",
              "--host",
              TestEnv.docker().host());
      assertThat(r.code()).as(r.err()).isEqualTo(1);
      assertThat(r.err())
          .contains(
              "imagespec: cannot start: permission missing: this service account may not get"
                  + " imagenodes (API group imagespec.dev) cluster-wide")
          .contains(message);
    }
  }

  @Test
  void aFailedLeaseAccessReviewNamesTheVerbsAndNamespace() throws Exception {
    try (MockApiServer api = MockApiServer.crud()) {
      // the review finds no rule on Leases: JOSDK refuses to elect
      api.server()
          .expect()
          .post()
          .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
          .andReturn(
              201,
              new SelfSubjectRulesReviewBuilder()
                  .withNewStatus()
                  .addNewResourceRule()
                  .withApiGroups("imagespec.dev")
                  .withResources("imagespecs")
                  .withVerbs("get", "list", "watch")
                  .endResourceRule()
                  .withIncomplete(false)
                  .endStatus()
                  .build())
          .always();
      Result r =
          run(
              api.kubeconfig(dir.resolve("kubeconfig")),
              "all",
              "--node",
              "n1",
              "--host",
              TestEnv.docker().host(),
              "--lease-namespace",
              "imagespec-system");
      assertThat(r.code()).as(r.err()).isEqualTo(1);
      assertThat(r.err())
          .doesNotContain("cannot start: Error starting operator")
          .containsPattern(
              "imagespec: cannot start: permission missing: this service account may not"
                  + " [a-z,]+ leases \\(API group coordination.k8s.io\\) in namespace"
                  + " imagespec-system")
          .contains("kubectl apply -k deploy/");
    }
  }

  /** {@code imagespec operator ROLE ARGS} with {@code KUBECONFIG}; its exit code and stderr. */
  private Result run(Path kubeconfig, String role, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "dev.imagespec.cli.Main",
            "operator",
            role,
            "--http-port",
            "0"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(Map.of("KUBECONFIG", kubeconfig.toString()));
    // one attempt per request: Fabric8 retries a refused connection for about a minute otherwise
    pb.environment().put("KUBERNETES_REQUEST_RETRY_BACKOFFLIMIT", "0");
    pb.environment().remove("IMAGESPEC_LOG_FORMAT");
    pb.environment().remove("NODE_NAME");
    Path err = Files.createTempFile(dir, "stderr", ".log");
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile());
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("still running after 120 s: " + Files.readString(err));
    }
    return new Result(p.exitValue(), Files.readString(err, StandardCharsets.UTF_8));
  }
}
