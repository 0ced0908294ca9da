package dev.imagespec.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A containerd with its CRI plugin of a test's own (root, state, socket in a directory of the
 * test), configured as the node runtimes of {@code scripts/engines}, that the test may stop, kill
 * and start again without touching the shared engines. Loopback registries are reached over plain
 * HTTP (an empty {@code certs.d}). Needs root and {@code containerd} on the PATH, as the CRI
 * containerd of the test env.
 */
public final class PrivateContainerd implements AutoCloseable {
  private final Path dir;
  private final Path root;
  private final String snapshotter;
  private final Path socket;
  private Process process;
  private int starts;

  /** Writes its config into {@code dir} (at most ~60 characters long: socket path limits). */
  public PrivateContainerd(Path dir) {
    this(dir, dir.resolve("root"), snapshotter());
  }

  /**
   * With its image store in {@code root} (e.g. on a small tmpfs) and the given snapshotter ({@code
   * native} works on any filesystem).
   */
  public PrivateContainerd(Path dir, Path root, String snapshotter) {
    this.dir = dir;
    this.root = root;
    this.snapshotter = snapshotter;
    this.socket = dir.resolve("containerd.sock");
    try {
      Files.createDirectories(root);
      for (String d : new String[] {"state", "opt", "runc", "cni/conf", "cni/bin"}) {
        Files.createDirectories(dir.resolve(d));
      }
      Files.createDirectories(dir.resolve("certs.d"));
      Files.writeString(dir.resolve("config.toml"), config(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String config() {
    return String.join(
        "\n",
        "version = 2",
        "root = \"" + root + "\"",
        "state = \"" + dir.resolve("state") + "\"",
        "disabled_plugins = [\"io.containerd.snapshotter.v1.aufs\","
            + " \"io.containerd.snapshotter.v1.btrfs\", \"io.containerd.snapshotter.v1.devmapper\","
            + " \"io.containerd.snapshotter.v1.zfs\"]",
        "[grpc]",
        "  address = \"" + socket + "\"",
        "[ttrpc]",
        "  address = \"" + socket + ".ttrpc\"",
        "[debug]",
        "  address = \"\"",
        "[metrics]",
        "  address = \"\"",
        "[plugins]",
        "  [plugins.\"io.containerd.internal.v1.opt\"]",
        "    path = \"" + dir.resolve("opt") + "\"",
        "  [plugins.\"io.containerd.grpc.v1.cri\"]",
        "    stream_server_address = \"127.0.0.1\"",
        "    stream_server_port = \"0\"",
        "    enable_selinux = false",
        "    sandbox_image = \"imagespec.test/pause:1\"",
        "    restrict_oom_score_adj = true",
        "    [plugins.\"io.containerd.grpc.v1.cri\".containerd]",
        "      snapshotter = \"" + snapshotter + "\"",
        "      default_runtime_name = \"runc\"",
        "      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]",
        "        runtime_type = \"io.containerd.runc.v2\"",
        "        [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]",
        "          Root = \"" + dir.resolve("runc") + "\"",
        "    [plugins.\"io.containerd.grpc.v1.cri\".cni]",
        "      conf_dir = \"" + dir.resolve("cni/conf") + "\"",
        "      bin_dir = \"" + dir.resolve("cni/bin") + "\"",
        "    [plugins.\"io.containerd.grpc.v1.cri\".registry]",
        "      config_path = \"" + dir.resolve("certs.d") + "\"",
        "");
  }

  /** The test env's CRI containerd's snapshotter (overlayfs, or native where it cannot). */
  private static String snapshotter() {
    try {
      Path shared =
          Path.of(TestEnv.criHost().replaceFirst("^unix://", "")).resolveSibling("config.toml");
      String c = Files.readString(shared);
      return c.contains("snapshotter = \"native\"") ? "native" : "overlayfs";
    } catch (IOException e) {
      return "overlayfs";
    }
  }

  /** {@code unix:///.../containerd.sock}. */
  public String host() {
    return "unix://" + socket;
  }

  /** Starts it and waits until it answers. */
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    try {
      Files.deleteIfExists(socket);
      starts++;
      process =
          new ProcessBuilder("containerd", "--config", dir.resolve("config.toml").toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("containerd-" + starts + ".log").toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start containerd (is it installed?)", e);
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError("containerd exited: see " + dir);
              }
              ctr("version");
              return true;
            });
  }

  /** Stops it as a restart does (SIGTERM), and waits until it is gone. */
  public synchronized void stop() {
    end(false);
  }

  /** Kills it (SIGKILL), as a crash does. */
  public synchronized void kill() {
    end(true);
  }

  private void end(boolean force) {
    if (process == null) {
      return;
    }
    if (force) {
      process.destroyForcibly();
    } else {
      process.destroy();
    }
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code ctr --address SOCKET -n k8s.io args...}; its stdout. */
  public String ctr(String... args) {
    return Ctr.runOn(socket.toString(), args);
  }

  /** The names of its image records ({@code ctr images ls -q}). */
  public List<String> imageNames() {
    return ctr("images", "ls", "-q").lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  @Override
  public void close() {
    stop();
  }
}
