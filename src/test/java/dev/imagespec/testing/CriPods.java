package dev.imagespec.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagespec.engine.cri.v1.ContainerConfig;
import dev.imagespec.engine.cri.v1.ContainerMetadata;
import dev.imagespec.engine.cri.v1.ContainerStatus;
import dev.imagespec.engine.cri.v1.ContainerStatusRequest;
import dev.imagespec.engine.cri.v1.CreateContainerRequest;
import dev.imagespec.engine.cri.v1.ImageServiceGrpc;
import dev.imagespec.engine.cri.v1.ImageSpec;
import dev.imagespec.engine.cri.v1.LinuxContainerConfig;
import dev.imagespec.engine.cri.v1.LinuxContainerSecurityContext;
import dev.imagespec.engine.cri.v1.LinuxPodSandboxConfig;
import dev.imagespec.engine.cri.v1.LinuxSandboxSecurityContext;
import dev.imagespec.engine.cri.v1.ListPodSandboxRequest;
import dev.imagespec.engine.cri.v1.NamespaceMode;
import dev.imagespec.engine.cri.v1.NamespaceOption;
import dev.imagespec.engine.cri.v1.PodSandbox;
import dev.imagespec.engine.cri.v1.PodSandboxConfig;
import dev.imagespec.engine.cri.v1.PodSandboxMetadata;
import dev.imagespec.engine.cri.v1.PullImageRequest;
import dev.imagespec.engine.cri.v1.RemoveContainerRequest;
import dev.imagespec.engine.cri.v1.RemovePodSandboxRequest;
import dev.imagespec.engine.cri.v1.RunPodSandboxRequest;
import dev.imagespec.engine.cri.v1.RuntimeServiceGrpc;
import dev.imagespec.engine.cri.v1.StartContainerRequest;
import dev.imagespec.engine.cri.v1.StopContainerRequest;
import dev.imagespec.engine.cri.v1.StopPodSandboxRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.okhttp.OkHttpChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.newsclub.net.unix.AFSocketFactory;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Real pods on the CRI containerd that {@code scripts/engines} starts, so that an image is in use
 * the way the kubelet uses it: a pod sandbox with host networking (no CNI) and one container in it,
 * created through CRI like the kubelet does (its {@code io.kubernetes.*} labels included). Needs
 * {@code IMAGESPEC_TEST_CRI_SANDBOX_IMAGE} and {@code IMAGESPEC_TEST_CRI_CGROUP_PARENT} from the
 * current {@code scripts/engines}.
 */
public final class CriPods {
  /** The pods' Kubernetes namespace, as shown in {@code namespace/pod/container}. */
  public static final String NAMESPACE = "imagespec-test";

  /**
   * The default command: runs on any image made from the test rootfs, and ends on SIGTERM (a plain
   * {@code sleep} as pid 1 would ignore it).
   */
  public static final List<String> SLEEP =
      List.of("/bin/sh", "-c", "trap 'exit 0' TERM INT; sleep 2147483647 & wait");

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
  private static final long STOP_GRACE_SECONDS = 10;

  private CriPods() {}

  /** An image pulled into the runtime: the name pulled and the ID the runtime gave it. */
  public record PulledImage(String reference, String id) {}

  /**
   * Pushes a one-layer image of the test rootfs ({@code IMAGESPEC_TEST_ROOTFS}, with a unique label
   * so that it has an ID of its own) to the plain registry as {@code repo:tag}, and pulls it
   * through CRI into the runtime at {@code criHost} (containerd: namespace {@code k8s.io}). The
   * caller removes it.
   */
  public static PulledImage pullRootfsImage(String criHost, String repo, String tag) {
    String reference = TestEnv.registry() + "/" + repo + ":" + tag;
    new Pusher(TestEnv.registry()).pushRootfs(repo, tag, TestEnv.rootfs());
    ManagedChannel channel = channel(criHost);
    try {
      String id =
          ImageServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(5, TimeUnit.MINUTES)
              .pullImage(
                  PullImageRequest.newBuilder()
                      .setImage(ImageSpec.newBuilder().setImage(reference))
                      .build())
              .getImageRef();
      return new PulledImage(reference, id);
    } finally {
      shutdown(channel);
    }
  }

  /** {@link #runContainer(String, String, String, List)} with {@link #SLEEP}. */
  public static Running runContainer(String criHost, String image, String name) {
    return runContainer(criHost, image, name, SLEEP);
  }

  /**
   * Runs pod {@code imagespec-test/name} with container {@code name} of {@code image} (a name or ID
   * the runtime has) and waits until the container runs. {@code command} empty: the image's own.
   * The caller closes the result; it removes the pod even when starting failed half-way.
   */
  public static Running runContainer(
      String criHost, String image, String name, List<String> command) {
    String sandboxImage = TestEnv.criSandboxImage();
    String cgroupRoot = TestEnv.criCgroupParent();
    String uid = UUID.randomUUID().toString();
    Path logs;
    try {
      logs = Files.createTempDirectory("imagespec-cri-pod-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Running running = new Running(channel(criHost), logs, name, image, sandboxImage);
    try {
      running.start(uid, cgroupRoot, command);
      return running;
    } catch (RuntimeException | Error e) {
      try {
        running.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** CRI ListPodSandbox of the runtime at {@code criHost}: every pod sandbox, ready or not. */
  public static List<PodSandbox> listPodSandboxes(String criHost) {
    ManagedChannel channel = channel(criHost);
    try {
      return RuntimeServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
          .getItemsList();
    } finally {
      shutdown(channel);
    }
  }

  private static ManagedChannel channel(String criHost) {
    String path = criHost.startsWith("unix://") ? criHost.substring("unix://".length()) : criHost;
    try {
      return OkHttpChannelBuilder.forAddress("localhost", 80)
          .socketFactory(
              new AFSocketFactory.FixedAddressSocketFactory(AFUNIXSocketAddress.of(Path.of(path))))
          .usePlaintext()
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use CRI socket " + criHost, e);
    }
  }

  private static void shutdown(ManagedChannel channel) {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A pod with one container, running or stopped; {@link #close()} removes both. */
  public static final class Running implements AutoCloseable {
    private final ManagedChannel channel;
    private final Path logs;
    private final String name;
    private final String image;
    private final String sandboxImage;
    private String sandboxId = "";
    private String containerId = "";

    private Running(
        ManagedChannel channel, Path logs, String name, String image, String sandboxImage) {
      this.channel = channel;
      this.logs = logs;
      this.name = name;
      this.image = image;
      this.sandboxImage = sandboxImage;
    }

    private RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
      return RuntimeServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void start(String uid, String cgroupRoot, List<String> command) {
      NamespaceOption namespaces =
          NamespaceOption.newBuilder()
              .setNetwork(NamespaceMode.NODE)
              .setPid(NamespaceMode.CONTAINER)
              .setIpc(NamespaceMode.POD)
              .build();
      PodSandboxConfig sandbox =
          PodSandboxConfig.newBuilder()
              .setMetadata(
                  PodSandboxMetadata.newBuilder()
                      .setName(name)
                      .setNamespace(NAMESPACE)
                      .setUid(uid)
                      .setAttempt(0))
              .setLogDirectory(logs.toString())
              .putLabels("io.kubernetes.pod.name", name)
              .putLabels("io.kubernetes.pod.namespace", NAMESPACE)
              .putLabels("io.kubernetes.pod.uid", uid)
              .setLinux(
                  LinuxPodSandboxConfig.newBuilder()
                      // the parent that `scripts/engines down` sweeps; no pod<uid> level as the
                      // kubelet makes: nothing would remove it (runc removes the containers' own)
                      .setCgroupParent(cgroupRoot)
                      .setSecurityContext(
                          LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(namespaces)))
              .build();
      try {
        sandboxId =
            runtime()
                .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(sandbox).build())
                .getPodSandboxId();
      } catch (StatusRuntimeException e) {
        throw new IllegalStateException(
            "RunPodSandbox of "
                + NAMESPACE
                + "/"
                + name
                + " failed: "
                + e.getStatus()
                + "; is the sandbox image "
                + sandboxImage
                + " in the runtime's k8s.io namespace? (restart engines with the current"
                + " scripts/engines)",
            e);
      }
      ContainerConfig container =
          ContainerConfig.newBuilder()
              .setMetadata(ContainerMetadata.newBuilder().setName(name).setAttempt(0))
              .setImage(ImageSpec.newBuilder().setImage(image))
              .addAllCommand(command)
              .setLogPath(name + "/0.log")
              .putLabels("io.kubernetes.pod.name", name)
              .putLabels("io.kubernetes.pod.namespace", NAMESPACE)
              .putLabels("io.kubernetes.pod.uid", uid)
              .putLabels("io.kubernetes.container.name", name)
              .setLinux(
                  LinuxContainerConfig.newBuilder()
                      .setSecurityContext(
                          LinuxContainerSecurityContext.newBuilder()
                              .setNamespaceOptions(namespaces)))
              .build();
      containerId =
          runtime()
              .createContainer(
                  CreateContainerRequest.newBuilder()
                      .setPodSandboxId(sandboxId)
                      .setConfig(container)
                      .setSandboxConfig(sandbox)
                      .build())
              .getContainerId();
      runtime()
          .startContainer(StartContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    /** The pod sandbox's ID. */
    public String sandboxId() {
      return sandboxId;
    }

    /** The container's ID. */
    public String containerId() {
      return containerId;
    }

    /** The image the container was created from, as given. */
    public String image() {
      return image;
    }

    /** {@code imagespec-test/name/name}: namespace, pod and container, as the kubelet names it. */
    public String displayName() {
      return NAMESPACE + "/" + name + "/" + name;
    }

    /** CRI ContainerStatus of the container. */
    public ContainerStatus status() {
      return runtime()
          .containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId).build())
          .getStatus();
    }

    /**
     * Stops the container (SIGTERM, then SIGKILL after 10 s): it is then exited but still present,
     * which still counts as using its image. The sandbox keeps running.
     */
    public void stop() {
      if (!containerId.isEmpty()) {
        runtime()
            .withDeadlineAfter(CALL_TIMEOUT.toSeconds() + STOP_GRACE_SECONDS, TimeUnit.SECONDS)
            .stopContainer(
                StopContainerRequest.newBuilder()
                    .setContainerId(containerId)
                    .setTimeout(STOP_GRACE_SECONDS)
                    .build());
      }
    }

    /** Stops and removes the container and the pod sandbox; ones already gone are fine. */
    @Override
    public void close() {
      try {
        if (!containerId.isEmpty()) {
          ignoreNotFound(this::stop);
          ignoreNotFound(
              () ->
                  runtime()
                      .removeContainer(
                          RemoveContainerRequest.newBuilder().setContainerId(containerId).build()));
        }
        if (!sandboxId.isEmpty()) {
          ignoreNotFound(
              () ->
                  runtime()
                      .stopPodSandbox(
                          StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build()));
          ignoreNotFound(
              () ->
                  runtime()
                      .removePodSandbox(
                          RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build()));
        }
      } finally {
        shutdown(channel);
        deleteTree(logs);
      }
    }

    private static void ignoreNotFound(Runnable call) {
      try {
        call.run();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          throw e;
        }
      }
    }

    @Override
    public String toString() {
      return displayName() + " (container " + containerId + ", image " + image + ")";
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  /** Pushes the test rootfs as a one-layer OCI image to a plain-HTTP registry. */
  private static final class Pusher {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType OCTETS = MediaType.get("application/octet-stream");
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    private final OkHttpClient http =
        new OkHttpClient.Builder()
            .connectTimeout(Duration.ofSeconds(5))
            .readTimeout(Duration.ofSeconds(60))
            .build();
    private final String registry;

    Pusher(String registry) {
      this.registry = registry;
    }

    void pushRootfs(String repo, String tag, Path rootfs) {
      try {
        byte[] layer = Files.readAllBytes(rootfs);
        String layerDigest = pushBlob(repo, layer);
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", goArch());
        config.put("os", "linux");
        ObjectNode c = config.putObject("config");
        c.putArray("Cmd").add("/bin/sh");
        c.putObject("Labels").put("imagespec.test", UUID.randomUUID().toString());
        ObjectNode fs = config.putObject("rootfs");
        fs.put("type", "layers");
        fs.putArray("diff_ids").add(layerDigest);
        byte[] configBytes = JSON.writeValueAsBytes(config);
        String configDigest = pushBlob(repo, configBytes);
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", OCI_MANIFEST);
        ObjectNode mc = manifest.putObject("config");
        mc.put("mediaType", "application/vnd.oci.image.config.v1+json");
        mc.put("size", configBytes.length);
        mc.put("digest", configDigest);
        ObjectNode ml = manifest.putArray("layers").addObject();
        ml.put("mediaType", "application/vnd.oci.image.layer.v1.tar");
        ml.put("size", layer.length);
        ml.put("digest", layerDigest);
        Request put =
            new Request.Builder()
                .url(url("/v2/" + repo + "/manifests/" + tag))
                .put(
                    RequestBody.create(
                        JSON.writeValueAsBytes(manifest), MediaType.get(OCI_MANIFEST)))
                .build();
        try (Response r = http.newCall(put).execute()) {
          if (r.code() != 201) {
            throw new IOException("pushing manifest " + repo + ":" + tag + ": HTTP " + r.code());
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot push the test rootfs to " + registry, e);
      }
    }

    private String pushBlob(String repo, byte[] content) throws IOException {
      String digest = sha256(content);
      Request start =
          new Request.Builder()
              .url(url("/v2/" + repo + "/blobs/uploads/"))
              .post(RequestBody.create(new byte[0], null))
              .build();
      String location;
      try (Response r = http.newCall(start).execute()) {
        if (r.code() != 202) {
          throw new IOException("starting upload to " + repo + ": HTTP " + r.code());
        }
        location = r.header("Location");
      }
      HttpUrl upload = location == null ? null : url("/").resolve(location);
      if (upload == null) {
        throw new IOException("bad upload location " + location);
      }
      HttpUrl put = upload.newBuilder().addQueryParameter("digest", digest).build();
      try (Response r =
          http.newCall(
                  new Request.Builder().url(put).put(RequestBody.create(content, OCTETS)).build())
              .execute()) {
        if (r.code() != 201) {
          throw new IOException("finishing upload to " + repo + ": HTTP " + r.code());
        }
      }
      return digest;
    }

    private HttpUrl url(String path) {
      return HttpUrl.get("http://" + registry + path);
    }

    private static String goArch() {
      String arch = System.getProperty("os.arch");
      return switch (arch) {
        case "amd64", "x86_64" -> "amd64";
        case "aarch64" -> "arm64";
        default -> arch;
      };
    }

    private static String sha256(byte[] bytes) {
      try {
        return "sha256:"
            + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
