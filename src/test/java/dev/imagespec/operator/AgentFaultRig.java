package dev.imagespec.operator;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.ImportOptions;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.RandomTar;
import dev.imagespec.testing.RecordingProxy;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.params.provider.Arguments;

/**
 * What the agent fault tests share: images published to the plain registry (and deleted from it
 * afterwards), the agent as its own process (killed with SIGKILL, as a node's OOM killer or a
 * crashed container ends it), and a view of a node's image names on dockerd or a CRI runtime.
 */
final class AgentFaultRig implements AutoCloseable {
  private final EngineClient docker;
  private final List<String> published = new ArrayList<>();

  AgentFaultRig(EngineClient docker) {
    this.docker = docker;
  }

  /** A small image (the test rootfs, a label of its own) at {@code registry path}; returns path. */
  String publishSmall(String path) {
    String direct = TestEnv.registry() + path;
    TestEnv.seed(docker, direct);
    push(direct);
    return path;
  }

  /** An image of one layer of {@code bytes} random (incompressible) bytes at {@code path}. */
  String publishLarge(String path, long bytes) {
    String direct = TestEnv.registry() + path;
    int colon = direct.lastIndexOf(':');
    docker
        .images()
        .importImage(
            new RandomTar("data.bin", bytes, System.nanoTime()),
            ImportOptions.builder()
                .repository(direct.substring(0, colon))
                .tag(direct.substring(colon + 1))
                .build());
    push(direct);
    return path;
  }

  private void push(String direct) {
    docker.images().push(direct, PushOptions.defaults(), null);
    docker.images().remove(direct, true, false);
    published.add(direct);
  }

  /**
   * {@code imagespec operator agent} as its own process, from the test classpath, logging JSON to
   * {@code log}.
   */
  static Process startAgent(Path kubeconfig, String node, String runtime, String host, Path log)
      throws IOException {
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
            "--runtime",
            runtime,
            "--host",
            host,
            "--http-port",
            "0",
            "--retry-interval",
            "2s",
            "--log-format",
            "json");
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    pb.environment().remove("IMAGESPEC_LOG_FORMAT");
    pb.environment().remove("IMAGESPEC_LOG_LEVEL");
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Process p = pb.start();
    p.getOutputStream().close();
    return p;
  }

  /** SIGKILL, and waits for the process to be gone. */
  static void kill(Process p) throws InterruptedException {
    p.destroyForcibly();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(
          "agent process " + p.pid() + " still runs 30 s after SIGKILL");
    }
  }

  /** SIGTERM (then SIGKILL after 30 s): the end of a test. */
  static void stop(Process p) throws InterruptedException {
    if (p == null) {
      return;
    }
    p.destroy();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      kill(p);
    }
  }

  /** A node's image store: dockerd, or a CRI runtime. */
  interface Store extends AutoCloseable {
    /** Every name (repo tag) of every image, canonical. */
    Set<String> names();

    /** The image ID {@code ref} names, null when absent. */
    String id(String ref);

    /** Removes every image one of whose names contains {@code part}. */
    void removeAll(String part);

    @Override
    void close();
  }

  static Store dockerStore(EngineClient docker) {
    return new Store() {
      @Override
      public Set<String> names() {
        Set<String> out = new TreeSet<>();
        docker.images().list().forEach(i -> i.tags().forEach(t -> out.add(canonical(t))));
        return out;
      }

      @Override
      public String id(String ref) {
        return docker.images().exists(ref) ? docker.images().get(ref).id() : null;
      }

      @Override
      public void removeAll(String part) {
        for (var i : docker.images().list()) {
          if (i.tags().stream().anyMatch(t -> t.contains(part))) {
            try {
              docker.images().remove(i.id(), true, false);
            } catch (RuntimeException ignored) {
              // gone already
            }
          }
        }
      }

      @Override
      public void close() {}
    };
  }

  static Store criStore(String host) {
    CriRuntime cri = CriRuntime.connect(host, Duration.ofMinutes(2));
    return new Store() {
      @Override
      public Set<String> names() {
        Set<String> out = new TreeSet<>();
        cri.list().forEach(i -> i.repoTags().forEach(t -> out.add(canonical(t))));
        return out;
      }

      @Override
      public String id(String ref) {
        return cri.get(ref).map(i -> i.id()).orElse(null);
      }

      @Override
      public void removeAll(String part) {
        for (var i : cri.list()) {
          if (i.repoTags().stream().anyMatch(t -> t.contains(part))) {
            try {
              cri.removeImage(i.id());
            } catch (RuntimeException ignored) {
              // gone already
            }
          }
        }
      }

      @Override
      public void close() {
        cri.close();
      }
    };
  }

  static String canonical(String ref) {
    try {
      return ImageReference.parse(ref).withDefaultTag().canonical();
    } catch (RuntimeException e) {
      return ref; // <none>:<none> and the like
    }
  }

  /** Deletes the published manifests from the registry (blobs stay for its garbage collection). */
  @Override
  public void close() {
    RegistryClient rc = RegistryClient.builder().insecureRegistry(TestEnv.registry()).build();
    OkHttpClient http = new OkHttpClient();
    for (String direct : published) {
      try {
        ImageReference ref = ImageReference.parse(direct);
        String digest = rc.digest(ref, null).orElse(null);
        if (digest == null) {
          continue;
        }
        Request req =
            new Request.Builder()
                .url("http://" + ref.domain() + "/v2/" + ref.path() + "/manifests/" + digest)
                .delete()
                .build();
        try (Response r = http.newCall(req).execute()) {
          // 202, or 404 when gone: best effort
        }
      } catch (IOException | RuntimeException ignored) {
        // best effort
      }
    }
  }

  /**
   * The class fixture the fault tests with a live aggregator share (AgentKillTest,
   * PassBoundaryTest): dockerd's client, the light node runtimes, a proxy at 1 MB/s per connection
   * in front of the plain registry (an 8 MiB layer takes about 8 s), the CRUD mock API server, a
   * rig, and the aggregator as in a cluster (a restarted agent has no access proofs for what its
   * previous process pulled and waits for the aggregator's verdicts). Closed in reverse order.
   */
  static final class Fixture implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(120);
    static final long LARGE = 8L << 20;
    static final int RUNS = Integer.getInteger("imagespec.faultRuns", 1);

    EngineClient docker;
    RecordingProxy proxy;
    MockApiServer server;
    KubernetesClient client;
    AgentFaultRig rig;
    OperatorRuntime aggregator;

    Fixture() throws Exception {
      try {
        docker = TestEnv.docker().client();
        TestEnv.nodeHosts(5);
        proxy = new RecordingProxy(TestEnv.registry()).limit(1_000_000);
        server = MockApiServer.crud();
        client = server.client();
        rig = new AgentFaultRig(docker);
        aggregator =
            OperatorRuntime.start(OperatorOptions.aggregator(false, "default"), client, null);
      } catch (Exception | Error e) {
        close();
        throw e;
      }
    }

    /**
     * Each runtime ({@code -Dimagespec.faultRuntimes}, default docker,cri) times {@code
     * -Dimagespec.faultRuns} (default 1), for {@code @MethodSource}.
     */
    static Stream<Arguments> runs() {
      return Stream.of(System.getProperty("imagespec.faultRuntimes", "docker,cri").split(","))
          .flatMap(r -> IntStream.rangeClosed(1, RUNS).mapToObj(i -> Arguments.of(r, i)));
    }

    @Override
    public void close() {
      if (aggregator != null) {
        aggregator.close();
      }
      if (server != null) {
        server.close();
      }
      if (rig != null) {
        rig.close();
      }
      if (proxy != null) {
        proxy.close();
      }
      if (docker != null) {
        docker.close();
      }
    }
  }
}
