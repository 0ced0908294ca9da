package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code imagespec operator agent} as its own process, as the DaemonSet runs it: JSON log lines
 * with fields, and a graceful stop on SIGTERM. Fabric8's CRUD mock API server (through a
 * kubeconfig) and the real dockerd.
 */
class OperatorProcessTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void jsonLogsWithFieldsAndAGracefulStopOnSigterm(@TempDir Path dir) throws Exception {
    String host = TestEnv.docker().host();
    Process agent = null;
    try (MockApiServer server = MockApiServer.crud()) {
      KubernetesClient client = server.client();
      String node = "proc-" + TestEnv.unique();
      client
          .nodes()
          .resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build())
          .create();
      Path kubeconfig = server.kubeconfig(dir.resolve("kubeconfig"));

      ProcessBuilder pb =
          new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-cp",
              System.getProperty("java.class.path"),
              "dev.imagespec.cli.Main",
              "operator",
              "agent",
              "--node",
              node,
              "--host",
              host,
              "--http-port",
              "0",
              "--log-format",
              "json");
      pb.environment().put("KUBECONFIG", kubeconfig.toString());
      pb.environment().remove("IMAGESPEC_LOG_FORMAT");
      pb.environment().remove("IMAGESPEC_LOG_LEVEL");
      Path log = dir.resolve("agent.log");
      pb.redirectErrorStream(true).redirectOutput(log.toFile());
      agent = pb.start();
      agent.getOutputStream().close();

      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  parsed(lines(log)).stream()
                      .anyMatch(
                          j ->
                              j.path("message").asText().startsWith("pass on " + node)
                                  && node.equals(j.path("node").asText())
                                  && j.path("specs").isNumber()));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  client.resources(dev.imagespec.spec.ImageNode.class).withName(node).get()
                      != null);

      agent.destroy(); // SIGTERM, as the kubelet stops a pod
      assertThat(agent.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s").isTrue();
      List<String> lines = lines(log);
      List<JsonNode> all = parsed(lines);
      assertThat(all).as("every stderr line is one JSON object: %s", lines).hasSize(lines.size());
      assertThat(all)
          .allSatisfy(
              j -> {
                assertThat(j.path("time").asText()).isNotEmpty();
                assertThat(j.path("level").asText()).isIn("ERROR", "WARN", "INFO", "DEBUG");
                assertThat(j.path("logger").asText()).isNotEmpty();
              });
      assertThat(all.get(all.size() - 1).path("message").asText())
          .as("exit %d, last line of %s", agent.exitValue(), lines)
          .isEqualTo("stopped");
      assertThat(String.join("\n", lines)).doesNotContain("not-a-secret");
    } finally {
      if (agent != null) {
        agent.destroyForcibly();
      }
    }
  }

  private static List<String> lines(Path log) throws java.io.IOException {
    return Files.readAllLines(log, StandardCharsets.UTF_8);
  }

  /** The lines that are JSON objects. */
  private static List<JsonNode> parsed(List<String> lines) {
    List<JsonNode> out = new ArrayList<>();
    for (String l : lines) {
      try {
        JsonNode j = JSON.readTree(l);
        if (j != null && j.isObject()) {
          out.add(j);
        }
      } catch (Exception e) {
        // not JSON
      }
    }
    return out;
  }
}
