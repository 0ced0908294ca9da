package dev.imagespec.cli;

import dev.imagespec.engine.DockerConfigCredentials;
import dev.imagespec.engine.RuntimeKind;
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
          "CRI only: deadline of one image pull (CRI pulls report no progress), e.g. 5m, 1h."
              + " Default: 15m.")
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
    if (kind() == RuntimeKind.DOCKER || kind() == RuntimeKind.PODMAN) {
      throw new CliUsageException(
          "--pull-timeout: "
              + kind().option()
              + " pulls stream their progress and take no deadline; the option is for CRI"
              + " runtimes (--runtime cri)");
    }
    return d;
  }

  /** This machine's docker config credentials, read once per command. */
  DockerConfigCredentials credentials() {
    if (credentials == null) {
      credentials = DockerConfigCredentials.fromEnvironment(System.getenv());
    }
    return credentials;
  }

  /** Finds and connects to the store; {@code --pull-timeout} on a Docker API store is refused. */
  ImageBackend connect() {
    check();
    ImageBackend backend =
        ImageBackends.connect(
            new ImageBackends.Options(host, kind(), System.getenv(), credentials(), timeout()));
    if (pullTimeout != null && !(backend instanceof dev.imagespec.reconcile.CriBackend)) {
      String what = backend.endpoint();
      backend.close();
      throw new CliUsageException(
          "--pull-timeout: "
              + what
              + " speaks the Docker Engine API, whose pulls stream their progress and take no"
              + " deadline; the option is for CRI runtimes");
    }
    return backend;
  }
}
