package dev.imagespec.cli;

import dev.imagespec.engine.DockerConfigCredentials;
import dev.imagespec.engine.EngineException;
import dev.imagespec.engine.EngineUnavailableException;
import dev.imagespec.operator.AgentReconciler;
import dev.imagespec.operator.ClusterPushes;
import dev.imagespec.operator.DiskGuard;
import dev.imagespec.operator.OperatorOptions;
import dev.imagespec.operator.OperatorRuntime;
import dev.imagespec.operator.StartFailure;
import dev.imagespec.operator.WarmGate;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.ImageBackend;
import dev.imagespec.spec.GoDuration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code imagespec operator agent|aggregator|all}: the Kubernetes front end. */
@Command(
    name = "operator",
    mixinStandardHelpOptions = true,
    description = {
      "Run imagespec inside Kubernetes (see deploy/): the node agent applies the ImageSpecs that"
          + " select its node to the node's engine and reports in the node's ImageNode; the"
          + " aggregator folds the ImageNodes into each ImageSpec's status and copies the specs'"
          + " pushes registry to registry, once for the cluster (agents never push).",
      "Kubernetes access: in-cluster service account, else KUBECONFIG / ~/.kube/config.",
      "Stops gracefully on SIGTERM: running passes finish first."
    },
    subcommands = {
      OperatorCommand.Agent.class,
      OperatorCommand.Aggregator.class,
      OperatorCommand.All.class
    })
final class OperatorCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  /** Options of every role. */
  static final class Common {
    @Option(
        names = "--http-port",
        paramLabel = "PORT",
        defaultValue = "8080",
        description = "Port of /metrics, /healthz, /readyz (default ${DEFAULT-VALUE}; 0: none).")
    int httpPort;

    @Option(
        names = "--http-address",
        paramLabel = "ADDR",
        defaultValue = "0.0.0.0",
        description = "Address of the HTTP endpoints (default ${DEFAULT-VALUE}).")
    String httpAddress;

    @Option(
        names = "--event-interval",
        paramLabel = "DURATION",
        defaultValue = "30s",
        description =
            "At most one Kubernetes Event per object and reason in this interval (default"
                + " ${DEFAULT-VALUE}).")
    String eventInterval;

    @Option(
        names = "--event-burst",
        paramLabel = "N",
        defaultValue = "25",
        description = "At most N Events per interval in all (default ${DEFAULT-VALUE}).")
    int eventBurst;

    // read by Main before any logger exists (the value is checked there); declared here for
    // --help and so that picocli accepts it
    @Option(
        names = "--log-format",
        paramLabel = "FORMAT",
        defaultValue = "${env:IMAGESPEC_LOG_FORMAT:-text}",
        description =
            "Log lines on stderr: text, or json (one object per line: time, level, logger,"
                + " message, fields such as node, spec, actions; error) (default ${DEFAULT-VALUE};"
                + " env IMAGESPEC_LOG_FORMAT).")
    String logFormat;

    InetSocketAddress http() {
      return httpPort <= 0 ? null : new InetSocketAddress(httpAddress, httpPort);
    }

    Duration eventInterval() {
      return duration("--event-interval", eventInterval);
    }
  }

  /** Options of the agent. */
  static final class AgentOptions {
    @Option(
        names = "--node",
        paramLabel = "NAME",
        defaultValue = "${env:NODE_NAME}",
        description = "This node's name (default: $NODE_NAME, from the downward API).")
    String node;

    @Option(
        names = "--parallel",
        paramLabel = "N",
        defaultValue = "4",
        description = "Pulls and pushes at once (default ${DEFAULT-VALUE}).")
    int parallel;

    @Option(
        names = "--retry-interval",
        paramLabel = "DURATION",
        defaultValue = "1m",
        description = "Next pass after one with failures (default ${DEFAULT-VALUE}).")
    String retryInterval;

    @Option(
        names = "--warm-taint",
        paramLabel = "KEY",
        defaultValue = WarmGate.DEFAULT_TAINT,
        description =
            "The startup taint (effect NoSchedule) the agent removes once every ImageSpec with"
                + " warmBeforeScheduling that selects the node is ready on it (default"
                + " ${DEFAULT-VALUE}). Never added back.")
    String warmTaint;

    @Option(
        names = "--warm-timeout",
        paramLabel = "DURATION",
        defaultValue = "15m",
        description =
            "After this long (since the agent started) the warm taint goes anyway, with a Warning"
                + " Event WarmTimedOut naming the missing images (default ${DEFAULT-VALUE}).")
    String warmTimeout;

    @Option(
        names = "--disk-high-percent",
        paramLabel = "PERCENT",
        defaultValue = "80",
        description =
            "Refuse a pull (reason InsufficientDisk) that would fill the image filesystem beyond"
                + " this percent of its capacity, counting the image's compressed size (1..99;"
                + " default ${DEFAULT-VALUE}, below the kubelet's image GC threshold of 85).")
    int diskHighPercent;

    @Option(
        names = "--image-fs",
        paramLabel = "PATH",
        description =
            "The runtime's image directory as the agent sees it (e.g. a read-only hostPath of"
                + " /var/lib/containerd), for the disk guard's capacity and free space (default:"
                + " the directory the runtime reports, when the agent sees it; else no disk"
                + " guard).")
    String imageFs;

    @Mixin ActionTimeoutOption timeouts;

    /** The agent's settings; its pulls' default deadline is {@code engine}'s --pull-timeout. */
    AgentReconciler.Settings settings(EngineOptions engine) {
      if (node == null || node.isBlank()) {
        throw new CliUsageException("--node NAME (or NODE_NAME) is required for the agent");
      }
      if (parallel < 1 || parallel > 64) {
        throw new CliUsageException("--parallel " + parallel + ": must be between 1 and 64");
      }
      DockerConfigCredentials docker = DockerConfigCredentials.fromEnvironment(System.getenv());
      CredentialResolver fallback = (namespace, names, domain) -> docker.forRegistry(domain);
      String taintProblem = WarmGate.taintKeyProblem(warmTaint);
      if (taintProblem != null) {
        throw new CliUsageException("--warm-taint '" + warmTaint + "': " + taintProblem);
      }
      String diskProblem = DiskGuard.highPercentProblem(diskHighPercent);
      if (diskProblem != null) {
        throw new CliUsageException("--disk-high-percent " + diskHighPercent + ": " + diskProblem);
      }
      if (imageFs != null && !java.nio.file.Files.isDirectory(java.nio.file.Path.of(imageFs))) {
        throw new CliUsageException(
            "--image-fs "
                + imageFs
                + ": no such directory: mount the runtime's root there (a read-only hostPath, as"
                + " deploy/ does) or leave the option out to use the directory the runtime"
                + " reports");
      }
      return new AgentReconciler.Settings(
              node, parallel, duration("--retry-interval", retryInterval), fallback)
          .withWarm(warmTaint, duration("--warm-timeout", warmTimeout))
          .withDiskGuard(diskHighPercent, imageFs)
          .withTimeouts(timeouts.timeouts(engine));
    }
  }

  /** Options of the aggregator. */
  static final class AggregatorOptions {
    @Option(
        names = "--leader-election",
        negatable = true,
        defaultValue = "true",
        fallbackValue = "true",
        description = "Elect one active aggregator with a Lease (default ${DEFAULT-VALUE}).")
    boolean leaderElection;

    @Option(
        names = "--lease-name",
        paramLabel = "NAME",
        defaultValue = "imagespec-aggregator",
        description = "Name of the Lease (default ${DEFAULT-VALUE}).")
    String leaseName;

    @Option(
        names = "--lease-namespace",
        paramLabel = "NS",
        defaultValue = "${env:POD_NAMESPACE}",
        description = "Namespace of the Lease (default: $POD_NAMESPACE, else the client's).")
    String leaseNamespace;

    @Option(
        names = "--push-parallel",
        paramLabel = "N",
        defaultValue = "2",
        description =
            "Registry-to-registry copies of the specs' pushes at once (default ${DEFAULT-VALUE}).")
    int pushParallel;

    @Option(
        names = "--permit-timeout",
        paramLabel = "DURATION",
        defaultValue = "10m",
        description =
            "A node holding a rollout permit (rollout.maxConcurrentNodes) longer than this loses it"
                + " (default ${DEFAULT-VALUE}).")
    String permitTimeout;

    @Option(
        names = "--finalizer-timeout",
        paramLabel = "DURATION",
        defaultValue = "10m",
        description =
            "A deleted deletionPolicy: Remove spec stops waiting for a node whose agent has not"
                + " tried to remove its images, or whose Node has been NotReady, this long; it is"
                + " released with a FinalizerTimedOut event naming the nodes whose images may be"
                + " left (default ${DEFAULT-VALUE}; keep it above the agents' --retry-interval).")
    String finalizerTimeout;

    @Option(
        names = "--push-timeout",
        paramLabel = "DURATION",
        defaultValue = "1h",
        description =
            "Deadline of one registry-to-registry copy of a push target (default"
                + " ${DEFAULT-VALUE}); a copy still running then is cancelled, reported PushFailed"
                + " and tried again after the backoff.")
    String pushTimeout;

    @Option(
        names = "--insecure-registry",
        paramLabel = "HOST[:PORT]",
        description =
            "A registry the aggregator's copies reach over plain HTTP or without TLS verification"
                + " (repeatable; loopback registries always are).")
    List<String> insecureRegistries = new ArrayList<>();

    ClusterPushes.Settings pushes() {
      if (pushParallel < 1 || pushParallel > 32) {
        throw new CliUsageException(
            "--push-parallel " + pushParallel + ": must be between 1 and 32");
      }
      DockerConfigCredentials docker = DockerConfigCredentials.fromEnvironment(System.getenv());
      CredentialResolver fallback = (namespace, names, domain) -> docker.forRegistry(domain);
      return new ClusterPushes.Settings(
          pushParallel,
          insecureRegistries,
          fallback,
          null,
          null,
          duration("--push-timeout", pushTimeout));
    }

    @Option(
        names = "--identity",
        paramLabel = "ID",
        defaultValue = "${env:POD_NAME}",
        description = "This instance in the election (default: $POD_NAME, else $HOSTNAME).")
    String identity;
  }

  static Duration duration(String option, String value) {
    try {
      Duration d = GoDuration.parse(value);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("invalid duration '" + value + "': must be positive");
      }
      return d;
    } catch (IllegalArgumentException e) {
      throw new CliUsageException(option + ": " + e.getMessage());
    }
  }

  static int run(
      CommandLine.Model.CommandSpec spec,
      Common common,
      AgentOptions agent,
      AggregatorOptions aggregator,
      EngineOptions engineOptions) {
    PrintWriter err = spec.commandLine().getErr();
    if (!common.logFormat.equals("text") && !common.logFormat.equals("json")) {
      throw new CliUsageException(
          "--log-format: expected text or json, got '" + common.logFormat + "'");
    }
    AgentReconciler.Settings settings = agent == null ? null : agent.settings(engineOptions);
    OperatorOptions options =
        new OperatorOptions(
            agent != null,
            aggregator != null,
            settings,
            common.http(),
            aggregator != null && aggregator.leaderElection,
            aggregator == null ? null : aggregator.leaseName,
            aggregator == null ? null : blankToNull(aggregator.leaseNamespace),
            aggregator == null ? null : blankToNull(aggregator.identity),
            common.eventInterval(),
            common.eventBurst,
            null,
            aggregator == null ? null : aggregator.pushes(),
            aggregator == null ? null : duration("--permit-timeout", aggregator.permitTimeout),
            aggregator == null
                ? null
                : duration("--finalizer-timeout", aggregator.finalizerTimeout));
    CountDownLatch stopped = new CountDownLatch(1);
    ImageBackend engine;
    try {
      engine = agent == null ? null : agentBackend(engineOptions);
    } catch (EngineException e) {
      err.println("imagespec: cannot start: " + e.getMessage());
      err.flush();
      return ExitCodes.FAILED;
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    OperatorRuntime runtime;
    try {
      runtime = OperatorRuntime.start(options, client, engine);
    } catch (Exception e) {
      String why = StartFailure.explain(e, String.valueOf(client.getMasterUrl()));
      client.close();
      err.println("imagespec: cannot start: " + why);
      err.flush();
      return ExitCodes.FAILED;
    }
    Thread hook =
        new Thread(
            () -> {
              runtime.close();
              client.close();
              stopped.countDown();
            },
            "imagespec-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      runtime.close();
      client.close();
    }
    return ExitCodes.OK;
  }

  /**
   * The agent's image store. Its socket must exist: a missing one is how a wrong --host or an
   * engine or runtime that is not running on the node shows, and the agent could do nothing until
   * it appears.
   */
  static ImageBackend agentBackend(EngineOptions options) {
    try {
      return options.connect();
    } catch (EngineUnavailableException e) {
      throw new EngineUnavailableException(
          e.getMessage()
              + ". In deploy/, the agent DaemonSet mounts the node's socket as a hostPath volume:"
              + " containerd by default, deploy/docker/, deploy/podman/ or deploy/crio/ for the"
              + " others",
          e);
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  @Command(
      name = "agent",
      mixinStandardHelpOptions = true,
      description = {
        "Node agent (DaemonSet): reconcile this node's engine against every ImageSpec whose"
            + " nodeSelector matches the node's labels; report in the ImageNode named after the"
            + " node. Reacts to ImageSpec and node-label changes, the engine's image events,"
            + " refresh intervals and prune schedules."
      })
  static final class Agent implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin EngineOptions engine;
    @Mixin AgentOptions agent;
    @Mixin Common common;

    @Override
    public Integer call() {
      return run(spec, common, agent, null, engine);
    }
  }

  @Command(
      name = "aggregator",
      mixinStandardHelpOptions = true,
      description = {
        "Aggregator (Deployment, leader-elected): write each ImageSpec's status from the"
            + " ImageNodes (node and image counts, Ready/Progressing/Degraded naming failing"
            + " nodes) and release deleted specs once their images are removed (deletionPolicy"
            + " Remove)."
      })
  static final class Aggregator implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin AggregatorOptions aggregator;
    @Mixin Common common;

    @Override
    public Integer call() {
      return run(spec, common, null, aggregator, null);
    }
  }

  @Command(
      name = "all",
      mixinStandardHelpOptions = true,
      description = {"Agent and aggregator in one process (single-node clusters, development)."})
  static final class All implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin EngineOptions engine;
    @Mixin AgentOptions agent;
    @Mixin AggregatorOptions aggregator;
    @Mixin Common common;

    @Override
    public Integer call() {
      return run(spec, common, agent, aggregator, engine);
    }
  }
}
