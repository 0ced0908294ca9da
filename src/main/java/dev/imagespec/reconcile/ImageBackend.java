package dev.imagespec.reconcile;

import dev.imagespec.spec.EngineInfo;
import java.util.Iterator;

/**
 * One image store as the front ends use it: the reconciler's {@link ImagePort}, what the store is
 * ({@link EngineInfo}) and its image events. {@link ImageBackends#connect} picks the
 * implementation: Docker Engine API (dockerd, Podman) or CRI (containerd, CRI-O).
 */
public interface ImageBackend extends AutoCloseable {

  /** The reconciler's port over this store. */
  ImagePort port();

  /**
   * What the store is: {@code docker 20.10.24} / {@code podman 4.3.1} with the Docker API version,
   * or {@code containerd 1.6.20} with {@code cri v1}; and its socket. Asks the store once.
   */
  EngineInfo info();

  /** {@code unix:///path}, {@code tcp://...}: where the store is reached (asks nothing). */
  String endpoint();

  /**
   * Opens the store's image event stream (Docker's {@code /events}, containerd's {@code /images/*}
   * topics).
   *
   * @throws dev.imagespec.engine.cri.UnsupportedByRuntimeException the store has none (CRI-O)
   */
  EventFeed imageEvents();

  /**
   * Pins exactly {@code references} (present images' names) against the kubelet's image GC and
   * unpins what imagespec pinned before among the others: containerd's label {@code
   * io.cri-containerd.pinned=pinned}.
   *
   * @throws dev.imagespec.engine.cri.UnsupportedByRuntimeException the store cannot pin: Docker and
   *     Podman (no such thing; the kubelet's GC does not run on their images unless they are its
   *     runtime through cri-dockerd, which pins nothing) and CRI-O (CRI has no labels)
   */
  default dev.imagespec.engine.cri.CriRuntime.Pins pin(java.util.Collection<String> references) {
    EngineInfo i = info();
    throw new dev.imagespec.engine.cri.UnsupportedByRuntimeException(
        i.getKind() + " " + i.getVersion(),
        "pin",
        "only containerd's image label io.cri-containerd.pinned keeps an image from the kubelet's"
            + " image GC; keep the kubelet from collecting these images by raising its"
            + " imageGCHighThresholdPercent or freeing disk");
  }

  /** The registry client this store's port already uses, if any (to share its connections). */
  default java.util.Optional<dev.imagespec.engine.RegistryClient> registryClient() {
    return java.util.Optional.empty();
  }

  /**
   * The directory where the store keeps images, as the store reports it (a path on its host):
   * Docker's and Podman's {@code DockerRootDir}, a CRI runtime's image filesystem mountpoint. Empty
   * when it reports none.
   */
  default java.util.Optional<String> imageFsPath() {
    return java.util.Optional.empty();
  }

  @Override
  void close();

  /** A blocking stream of image events, one line each ({@code delete sha256:...}). */
  interface EventFeed extends Iterator<String>, AutoCloseable {
    /** Ends the stream; safe from any thread. */
    @Override
    void close();
  }
}
