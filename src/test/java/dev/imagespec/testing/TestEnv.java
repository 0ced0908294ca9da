package dev.imagespec.testing;

import dev.imagespec.engine.DockerConfigCredentials;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.Image;
import dev.imagespec.engine.ImportOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The real engines and registries that {@code scripts/engines up} started, read from its
 * environment variables. Without them the integration tests are skipped — unless {@code
 * IMAGESPEC_REQUIRE_ENGINES=1} (set by {@code scripts/test}), where a missing one fails.
 */
public final class TestEnv {
  private TestEnv() {}

  public static String require(String name) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      String why = name + " is not set: run the tests with scripts/test";
      if ("1".equals(System.getenv("IMAGESPEC_REQUIRE_ENGINES"))) {
        Assertions.fail(why);
      }
      Assumptions.abort(why);
    }
    return v;
  }

  /** A real engine under test. */
  public record Engine(String name, String host) {
    public EngineClient client() {
      return EngineClient.builder()
          .host(host)
          .credentials(DockerConfigCredentials.of(Path.of("/nonexistent/config.json"), List.of()))
          .build();
    }

    @Override
    public String toString() {
      return name;
    }
  }

  public static Engine docker() {
    return new Engine("docker", require("IMAGESPEC_TEST_DOCKER_HOST"));
  }

  public static Engine podman() {
    return new Engine("podman", require("IMAGESPEC_TEST_PODMAN_HOST"));
  }

  /** Both engines, for {@code @MethodSource}. */
  public static Stream<Engine> engines() {
    return Stream.of(docker(), podman());
  }

  /** Plain registry {@code 127.0.0.1:PORT}. */
  public static String registry() {
    return require("IMAGESPEC_TEST_REGISTRY");
  }

  /** htpasswd registry {@code 127.0.0.1:PORT}. */
  public static String authRegistry() {
    return require("IMAGESPEC_TEST_AUTH_REGISTRY");
  }

  public static String authUser() {
    return require("IMAGESPEC_TEST_AUTH_USER");
  }

  public static String authPassword() {
    return require("IMAGESPEC_TEST_AUTH_PASSWORD");
  }

  public static Path rootfs() {
    return Path.of(require("IMAGESPEC_TEST_ROOTFS"));
  }

  /** The containerd with CRI, {@code unix:///path/to.sock}. */
  public static String criHost() {
    return require("IMAGESPEC_TEST_CRI_HOST");
  }

  /** The CRI containerd's pod sandbox ("pause") image; it is in its {@code k8s.io} namespace. */
  public static String criSandboxImage() {
    return requireCurrentScript("IMAGESPEC_TEST_CRI_SANDBOX_IMAGE");
  }

  /** The cgroup parent for pods on the CRI containerd that {@code scripts/engines down} sweeps. */
  public static String criCgroupParent() {
    return requireCurrentScript("IMAGESPEC_TEST_CRI_CGROUP_PARENT");
  }

  /**
   * A variable that {@code scripts/engines} writes since pods run on the CRI containerd: missing
   * while the CRI containerd runs means the engines were started by an older script.
   */
  private static String requireCurrentScript(String name) {
    criHost();
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      Assertions.fail(
          name
              + " is not set although IMAGESPEC_TEST_CRI_HOST is: the engines were started by an"
              + " older scripts/engines; restart engines with the current scripts/engines (down,"
              + " then up)");
    }
    return v;
  }

  /**
   * The node runtimes ({@code IMAGESPEC_TEST_NODE_HOSTS}: containerds with CRI, {@code
   * unix:///path/to.sock}, one per simulated node, each with its own image store), in node order;
   * empty when none were started.
   */
  public static List<String> nodeHosts() {
    String v = System.getenv("IMAGESPEC_TEST_NODE_HOSTS");
    return v == null || v.isBlank() ? List.of() : List.of(v.trim().split("\\s+"));
  }

  /**
   * {@link #nodeHosts()}, when there are at least {@code atLeast}; else skips the test (fails it
   * under {@code IMAGESPEC_REQUIRE_ENGINES=1}).
   */
  public static List<String> nodeHosts(int atLeast) {
    List<String> hosts = nodeHosts();
    if (hosts.size() < atLeast) {
      String listed =
          System.getenv("IMAGESPEC_TEST_NODE_HOSTS") == null
              ? "IMAGESPEC_TEST_NODE_HOSTS is not set (engines up before node runtimes existed?)"
              : "IMAGESPEC_TEST_NODE_HOSTS lists " + hosts.size();
      String why =
          "this test needs "
              + atLeast
              + " node runtimes but "
              + listed
              + ": run the tests with scripts/test, or run 'IMAGESPEC_TEST_NODES="
              + Math.max(atLeast, 5)
              + " scripts/engines up DIR' (after 'scripts/engines down DIR' if it runs with"
              + " fewer) and source DIR/env";
      if ("1".equals(System.getenv("IMAGESPEC_REQUIRE_ENGINES"))) {
        Assertions.fail(why);
      }
      Assumptions.abort(why);
    }
    return hosts;
  }

  /** A short unique name part, so tests never collide. */
  public static String unique() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * Imports the test rootfs as {@code reference} (null for an untagged, dangling image), with a
   * unique label so every seeded image has its own ID.
   */
  public static Image seed(EngineClient client, String reference, String... extraLabels) {
    ImportOptions.Builder b = ImportOptions.builder();
    if (reference != null) {
      int colon = reference.lastIndexOf(':');
      boolean tagged = colon > reference.lastIndexOf('/');
      b.repository(tagged ? reference.substring(0, colon) : reference);
      b.tag(tagged ? reference.substring(colon + 1) : "latest");
    }
    List<String> changes = new ArrayList<>();
    changes.add("LABEL imagespec.test=" + unique());
    for (String l : extraLabels) {
      changes.add("LABEL " + l);
    }
    changes.add("CMD [\"/bin/sh\"]");
    b.changes(changes);
    return client.images().importImage(rootfs(), b.build());
  }
}
