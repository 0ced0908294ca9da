package dev.imagespec.operator;

import static dev.imagespec.testing.CliRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.testing.CliRunner.Result;
import org.junit.jupiter.api.Test;

/** The {@code imagespec operator} command line: help and usage errors (no cluster needed). */
class OperatorCliTest {
  @Test
  void helpListsTheRolesAndTheirOptions() {
    Result r = run("operator", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("agent", "aggregator", "all");
    Result agent = run("operator", "agent", "--help");
    assertThat(agent.code()).isZero();
    assertThat(agent.out())
        .contains("--node", "--host", "--parallel", "--retry-interval", "--http-port")
        .contains("default 8080");
    Result aggregator = run("operator", "aggregator", "--help");
    assertThat(aggregator.out()).contains("--[no-]leader-election", "--lease-namespace");
  }

  @Test
  void badDurationsAndAMissingNodeAreUsageErrors() {
    Result r = run("operator", "agent", "--node", "n1", "--retry-interval", "soon");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--retry-interval", "soon");
    if (System.getenv("NODE_NAME") == null) {
      Result noNode = run("operator", "agent");
      assertThat(noNode.code()).isEqualTo(2);
      assertThat(noNode.err()).contains("--node");
    }
  }

  @Test
  void badWarmOptionsAreUsageErrorsNamingOptionAndValue() {
    Result help = run("operator", "agent", "--help");
    assertThat(help.out()).contains("--warm-taint", "--warm-timeout", "imagespec.dev/warming");
    Result taint = run("operator", "agent", "--node", "n1", "--warm-taint", "Bad Key/x");
    assertThat(taint.code()).isEqualTo(2);
    assertThat(taint.err()).contains("--warm-taint", "'Bad Key/x'", "DNS subdomain");
    Result name = run("operator", "agent", "--node", "n1", "--warm-taint", "example.com/-x");
    assertThat(name.code()).isEqualTo(2);
    assertThat(name.err()).contains("--warm-taint", "example.com/-x", "63");
    Result timeout = run("operator", "agent", "--node", "n1", "--warm-timeout", "0s");
    assertThat(timeout.code()).isEqualTo(2);
    assertThat(timeout.err()).contains("--warm-timeout", "0s", "positive");
    Result soon = run("operator", "agent", "--node", "n1", "--warm-timeout", "soon");
    assertThat(soon.code()).isEqualTo(2);
    assertThat(soon.err()).contains("--warm-timeout", "soon");
  }

  @Test
  void badDiskGuardOptionsAreUsageErrorsNamingOptionAndValue() {
    Result help = run("operator", "agent", "--help");
    assertThat(help.out()).contains("--disk-high-percent", "--image-fs", "InsufficientDisk");
    for (String bad : new String[] {"0", "100", "-5"}) {
      Result r = run("operator", "agent", "--node", "n1", "--disk-high-percent", bad);
      assertThat(r.code()).isEqualTo(2);
      assertThat(r.err()).contains("--disk-high-percent " + bad, "between 1 and 99");
    }
    Result missing =
        run("operator", "agent", "--node", "n1", "--image-fs", "/no/such/imagespec-root");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err())
        .contains("--image-fs /no/such/imagespec-root", "no such directory", "hostPath");
  }

  @Test
  void aBadFinalizerTimeoutIsAUsageErrorNamingOptionAndValue() {
    Result help = run("operator", "aggregator", "--help");
    assertThat(help.out()).contains("--finalizer-timeout", "FinalizerTimedOut", "default 10m");
    for (String[] args :
        new String[][] {
          {"operator", "aggregator", "--finalizer-timeout", "soon"},
          {"operator", "all", "--node", "n1", "--finalizer-timeout", "soon"}
        }) {
      Result soon = run(args);
      assertThat(soon.code()).isEqualTo(2);
      assertThat(soon.err()).contains("--finalizer-timeout", "'soon'");
    }
    Result zero = run("operator", "aggregator", "--finalizer-timeout", "0s");
    assertThat(zero.code()).isEqualTo(2);
    assertThat(zero.err()).contains("--finalizer-timeout", "'0s'", "positive");
  }

  @Test
  void aMissingEngineSocketIsNamedWithHowToSetIt() {
    Result r =
        run(
            "operator",
            "agent",
            "--node",
            "n1",
            "--http-port",
            "0",
            "--host",
            "unix:///nonexistent/imagespec-test.sock");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains(
            "imagespec: cannot start: the socket /nonexistent/imagespec-test.sock does not exist")
        .contains("--host", "DOCKER_HOST", "CONTAINER_HOST", "deploy/crio/");
  }
}
