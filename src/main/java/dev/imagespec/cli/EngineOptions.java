package dev.imagespec.cli;

import dev.imagespec.engine.DockerConfigCredentials;
import dev.imagespec.engine.RuntimeKind;
import dev.imagespec.reconcile.ActionTimeouts;
import dev.imagespec.reconcile.ImageBackend;
import dev.imagespec.reconcile.ImageBackends;
import dev.imagespec.spec.GoDuration;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options shared by every command that talks to an image store (engine or CRI runtime). */
final class EngineOptions implements CheckedOptions {
  @Option(
      names = {"-H", "--host"},
      paramLabel = "URL",
      description =
          "Engine or runtime endpoint: unix:///path/docker.sock, tcp://host:2375,"
              + " https://host:2376, unix:///run/containerd/containerd.sock (default: DOCKER_HOST,"
              + " CONTAINER_HOST, then the first of /var/run/docker.sock, /run/podman/podman.sock,"
              + " /run/containerd/containerd.sock, /var/run/crio/crio.sock that exists).")
  String host;

  @Option(
      names = "--runtime",
      paramLabel = "KIND",
      defaultValue = "auto",
      description =
          "The API the store speaks: auto (probe the socket), docker, podman, or cri (containerd"
              + " or CRI-O through the CRI; containerd's images in namespace k8s.io, the"
              + " kubelet's). Default: ${DEFAULT-VALUE}.")
  String runtime;

  @Option(
      names = "--pull-timeout",
      paramLabel = "DURATION",
      description =
          "Deadline of each pull, e.g. 5m, 1h. apply and the agent: the default of ImageSpecs that"
              + " set no pullTimeout (default 20m); images pull: none unless given on Docker and"
              + " Podman (their pulls stream progress), 20m on CRI runtimes. At the deadline the"
              + " pull is cancelled (the engine connection closed, the CRI call cancelled) and"
              + " reported TimedOut.")
  String pullTimeout;

  private DockerConfigCredentials credentials;

  @Override
  public void check() {
    kind();
    timeout();
  }

  RuntimeKind kind() {
    try {
      return RuntimeKind.parse(runtime);
    } catch (IllegalArgumentException e) {
      throw new CliUsageException(e.getMessage());
    }
  }

  /** {@code --pull-timeout}, or null when not given. */
  Duration timeout() {
    if (pullTimeout == null) {
      return null;
    }
    Duration d;
    try {
      d = GoDuration.parse(pullTimeout);
    } catch (IllegalArgumentException e) {
      throw new CliUsageException(
          "--pull-timeout '" + pullTimeout + "': expected a duration such as 90s, 5m or 1h");
    }
    if (d.isZero() || d.isNegative()) {
      throw new CliUsageException("--pull-timeout '" + pullTimeout + "': must be positive");
    }
    return d;
  }

  /** The deadline of a pull that sets none: {@code --pull-timeout}, else 20m. */
  Duration pullDeadline() {
    Duration d = timeout();
    return d == null ? ActionTimeouts.DEFAULT_PULL : d;
  }

  /** This machine's docker config credentials, read once per command. */
  DockerConfigCredentials credentials() {
    if (credentials == null) {
      credentials = DockerConfigCredentials.fromEnvironment(System.getenv());
    }
    return credentials;
  }

  /** Finds and connects to the store. */
  ImageBackend connect() {
    check();
    return ImageBackends.connect(
        new ImageBackends.Options(host, kind(), System.getenv(), credentials(), pullDeadline()));
  }
}
