package dev.imagespec.engine.cri;

import dev.imagespec.engine.Deadline;
import dev.imagespec.engine.EngineUnavailableException;
import dev.imagespec.engine.cri.v1.Container;
import dev.imagespec.engine.cri.v1.FilesystemUsage;
import dev.imagespec.engine.cri.v1.Image;
import dev.imagespec.engine.cri.v1.ImageFsInfoRequest;
import dev.imagespec.engine.cri.v1.ImageServiceGrpc;
import dev.imagespec.engine.cri.v1.ImageSpec;
import dev.imagespec.engine.cri.v1.ImageStatusRequest;
import dev.imagespec.engine.cri.v1.ImageStatusResponse;
import dev.imagespec.engine.cri.v1.ListContainersRequest;
import dev.imagespec.engine.cri.v1.ListImagesRequest;
import dev.imagespec.engine.cri.v1.PullImageRequest;
import dev.imagespec.engine.cri.v1.RemoveImageRequest;
import dev.imagespec.engine.cri.v1.RuntimeServiceGrpc;
import dev.imagespec.engine.cri.v1.VersionRequest;
import dev.imagespec.engine.cri.v1.VersionResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.okhttp.OkHttpChannelBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.newsclub.net.unix.AFSocketFactory;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * A container runtime reached through the Kubernetes CRI ({@code runtime.v1}) on a unix socket,
 * e.g. containerd's {@code /run/containerd/containerd.sock} or CRI-O's {@code
 * /var/run/crio/crio.sock}: the calls the image backend needs from the image service (list, status,
 * pull, remove, filesystem usage) and the runtime service (version, containers).
 *
 * <p>Transport: grpc-java's OkHttp transport over a junixsocket socket (the same socket library the
 * Docker/Podman transport uses); chosen over Netty's epoll domain sockets by measurement, see
 * {@code CriTransportCheck}. Every call has a deadline; {@code PullImage}, one blocking call with
 * no progress, gets its own. gRPC failures become {@link EngineUnavailableException} (runtime
 * unreachable) or {@link CriException} (the runtime's error), both naming the call.
 */
public final class CriClient implements AutoCloseable {
  /** Deadline of every call but {@code PullImage}. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);

  /** Deadline of {@code PullImage} unless the caller gives one. */
  public static final Duration DEFAULT_PULL_TIMEOUT = Duration.ofMinutes(15);

  /**
   * The kubelet's limit too: a ListImages answer of a node with many images exceeds gRPC's 4 MiB.
   */
  private static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

  private final String host;
  private final ManagedChannel channel;
  private final Duration callTimeout;
  private final RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;
  private final ImageServiceGrpc.ImageServiceBlockingStub images;

  private CriClient(String host, ManagedChannel channel, Duration callTimeout) {
    this.host = host;
    this.channel = channel;
    this.callTimeout = callTimeout;
    this.runtime = RuntimeServiceGrpc.newBlockingStub(channel);
    this.images = ImageServiceGrpc.newBlockingStub(channel);
  }

  /**
   * A client for the CRI runtime at {@code host}: {@code unix:///path/to.sock} or a plain socket
   * path. Connects lazily, on the first call.
   */
  public static CriClient connect(String host) {
    return connect(host, DEFAULT_CALL_TIMEOUT);
  }

  /** As {@link #connect(String)}, with the deadline of every call but {@code PullImage}. */
  public static CriClient connect(String host, Duration callTimeout) {
    Path socket = socketPath(host);
    AFSocketFactory.FixedAddressSocketFactory sockets;
    try {
      sockets = new AFSocketFactory.FixedAddressSocketFactory(AFUNIXSocketAddress.of(socket));
    } catch (IOException e) {
      throw new EngineUnavailableException(
          "cannot use CRI socket " + host + ": " + e.getMessage(), e);
    }
    // The authority is what HTTP/2 sends as :authority; the socket factory ignores the address.
    ManagedChannel channel =
        OkHttpChannelBuilder.forAddress("localhost", 80)
            .socketFactory(sockets)
            .usePlaintext()
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .build();
    return new CriClient("unix://" + socket, channel, callTimeout);
  }

  static Path socketPath(String host) {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("no CRI socket given");
    }
    String path = host.startsWith("unix://") ? host.substring("unix://".length()) : host;
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException(
          "a CRI runtime is reached through a unix socket (unix:///path), not " + host);
    }
    return Path.of(path);
  }

  /** {@code unix:///path} of the runtime's socket. */
  public String host() {
    return host;
  }

  /** RuntimeService/Version: runtime name and version, CRI API version. */
  public VersionResponse version() {
    return call("Version", "", () -> runtime().version(VersionRequest.getDefaultInstance()));
  }

  /** ImageService/ListImages: every image of the runtime (containerd: namespace k8s.io). */
  public List<Image> listImages() {
    return call(
        "ListImages",
        "",
        () -> images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList());
  }

  /** ImageService/ImageStatus of a name, digest reference or ID; empty when there is none. */
  public Optional<Image> imageStatus(String image) {
    ImageStatusResponse r =
        call(
            "ImageStatus",
            image,
            () ->
                images()
                    .imageStatus(ImageStatusRequest.newBuilder().setImage(spec(image)).build()));
    return r.hasImage() ? Optional.of(r.getImage()) : Optional.empty();
  }

  /**
   * ImageService/ImageStatus with {@code verbose}: the image and the runtime's extra information
   * (containerd and CRI-O: key {@code info}, JSON holding the image config as {@code imageSpec});
   * empty when there is no such image.
   */
  public Optional<ImageStatusResponse> imageStatusVerbose(String image) {
    ImageStatusResponse r =
        call(
            "ImageStatus",
            image,
            () ->
                images()
                    .imageStatus(
                        ImageStatusRequest.newBuilder()
                            .setImage(spec(image))
                            .setVerbose(true)
                            .build()));
    return r.hasImage() ? Optional.of(r) : Optional.empty();
  }

  /**
   * ImageService/PullImage with {@link #DEFAULT_PULL_TIMEOUT}.
   *
   * @return the image reference the runtime reports (containerd: the image ID)
   */
  public String pullImage(String image, CriAuth auth) {
    return pullImage(image, auth, DEFAULT_PULL_TIMEOUT);
  }

  /**
   * ImageService/PullImage: one blocking call with no progress, cancelled after {@code timeout} (or
   * when the calling thread is interrupted).
   *
   * @param auth registry credentials, or null for an anonymous pull
   * @return the image reference the runtime reports (containerd: the image ID)
   */
  public String pullImage(String image, CriAuth auth, Duration timeout) {
    PullImageRequest.Builder req = PullImageRequest.newBuilder().setImage(spec(image));
    if (auth != null) {
      req.setAuth(auth.toProto());
    }
    // the operation's deadline, when one is set, else this call's own timeout
    Deadline operation = Deadline.current().orElse(null);
    long millis =
        operation == null ? timeout.toMillis() : Math.max(1, operation.remaining().toMillis());
    try {
      return call(
          "PullImage",
          image,
          () ->
              images
                  .withDeadlineAfter(millis, TimeUnit.MILLISECONDS)
                  .pullImage(req.build())
                  .getImageRef());
    } catch (CriException e) {
      if (e.code() != Status.Code.DEADLINE_EXCEEDED) {
        throw e;
      }
      if (operation != null) {
        throw operation.exceeded(
            "CRI PullImage of " + image + " on " + host + " (the runtime cancelled the pull)", e);
      }
      throw new CriException(
          e.code(),
          "CRI PullImage of "
              + image
              + " on "
              + host
              + ": no answer before the deadline, the pull timeout of "
              + shortDuration(timeout)
              + " (the runtime cancelled the pull): raise the timeout (--pull-timeout) for a large"
              + " image or a slow registry, or check that the registry answers",
          e);
    }
  }

  /** {@code 90s}, {@code 5m}, {@code 1h}, {@code 1500ms}: as the pull timeout is written. */
  static String shortDuration(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  /**
   * ImageService/RemoveImage of a name or ID. The runtime removes the image with every name it has
   * (CRI has no single-name untag); removing an image that is not there succeeds.
   */
  public void removeImage(String image) {
    call(
        "RemoveImage",
        image,
        () -> images().removeImage(RemoveImageRequest.newBuilder().setImage(spec(image)).build()));
  }

  /** ImageService/ImageFsInfo: usage of the filesystems that hold images. */
  public List<FilesystemUsage> imageFsInfo() {
    return call(
        "ImageFsInfo",
        "",
        () ->
            images()
                .imageFsInfo(ImageFsInfoRequest.getDefaultInstance())
                .getImageFilesystemsList());
  }

  /** RuntimeService/ListContainers: every container, running or not (what images are in use). */
  public List<Container> listContainers() {
    return call(
        "ListContainers",
        "",
        () ->
            runtime()
                .listContainers(ListContainersRequest.getDefaultInstance())
                .getContainersList());
  }

  /** RuntimeService/ListPodSandbox: every pod sandbox, ready or not. */
  public List<dev.imagespec.engine.cri.v1.PodSandbox> listPodSandboxes() {
    return call(
        "ListPodSandbox",
        "",
        () ->
            runtime()
                .listPodSandbox(
                    dev.imagespec.engine.cri.v1.ListPodSandboxRequest.getDefaultInstance())
                .getItemsList());
  }

  /**
   * RuntimeService/PodSandboxStatus, verbose: the runtime's own details of the sandbox (containerd:
   * {@code info} JSON with the sandbox {@code image}); empty when it is gone.
   */
  public Optional<dev.imagespec.engine.cri.v1.PodSandboxStatusResponse> podSandboxStatus(
      String id) {
    try {
      return Optional.of(
          call(
              "PodSandboxStatus",
              id,
              () ->
                  runtime()
                      .podSandboxStatus(
                          dev.imagespec.engine.cri.v1.PodSandboxStatusRequest.newBuilder()
                              .setPodSandboxId(id)
                              .setVerbose(true)
                              .build())));
    } catch (CriException e) {
      if (e.code() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** The connection, shared with {@link ContainerdClient} (one per runtime). */
  ManagedChannel channel() {
    return channel;
  }

  Duration callTimeout() {
    return callTimeout;
  }

  private RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
    return runtime.withDeadlineAfter(Deadline.millisLeft(callTimeout), TimeUnit.MILLISECONDS);
  }

  private ImageServiceGrpc.ImageServiceBlockingStub images() {
    return images.withDeadlineAfter(Deadline.millisLeft(callTimeout), TimeUnit.MILLISECONDS);
  }

  private static ImageSpec spec(String image) {
    if (image == null || image.isBlank()) {
      throw new IllegalArgumentException("no image given");
    }
    return ImageSpec.newBuilder().setImage(image).build();
  }

  private <T> T call(String method, String subject, Supplier<T> rpc) {
    try {
      return rpc.get();
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      String what = "CRI " + method + (subject.isEmpty() ? "" : " of " + subject) + " on " + host;
      String desc = s.getDescription() != null ? s.getDescription() : s.getCode().toString();
      if (channel.isShutdown()) {
        throw new CriException(s.getCode(), what + ": cancelled: the client was closed", e);
      }
      if (s.getCode() == Status.Code.UNAVAILABLE) {
        throw new EngineUnavailableException(what + ": runtime unreachable: " + desc, e);
      }
      Deadline operation = Deadline.current().orElse(null);
      if (s.getCode() == Status.Code.DEADLINE_EXCEEDED && operation != null && operation.passed()) {
        throw operation.exceeded(what, e);
      }
      if (s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
        throw new CriException(s.getCode(), what + ": no answer before the deadline", e);
      }
      if (s.getCode() == Status.Code.CANCELLED) {
        throw new CriException(
            s.getCode(),
            what + ": cancelled (the calling thread was interrupted or the client closed)",
            e);
      }
      if (s.getCode() == Status.Code.UNIMPLEMENTED) {
        throw new CriException(
            s.getCode(), what + ": the runtime does not offer CRI runtime.v1: " + desc, e);
      }
      throw new CriException(s.getCode(), what + ": " + desc, e);
    }
  }

  /** Closes the connection; calls in flight are cancelled. */
  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
