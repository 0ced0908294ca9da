package dev.imagespec.engine.cri;

import dev.imagespec.engine.AuthConfig;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * A CRI runtime as an image store, the kubelet's view of a node: containerd (namespace {@code
 * k8s.io}) or CRI-O. CRI ({@link CriClient}) does list, status, pull, remove and containers; on
 * containerd its own API on the same socket ({@code ContainerdClient}, header {@code
 * containerd-namespace: k8s.io}) adds what CRI lacks: tag, single-name untag, labels and created
 * time, push (blobs read from the content store, uploaded by {@link
 * dev.imagespec.engine.RegistryClient}) and image events. Without it those throw {@link
 * UnsupportedByRuntimeException} naming the runtime.
 *
 * <p>Thread-safe. Close it to release the connection; calls in flight (a pull) are cancelled.
 */
public final class CriRuntime implements AutoCloseable {

  /** containerd's namespace for the kubelet's images. */
  public static final String K8S_NAMESPACE = "k8s.io";

  private CriRuntime() {}

  /**
   * Connects lazily to the runtime at {@code host} ({@code unix:///path} or a path).
   *
   * @param pullTimeout deadline of each pull (CRI PullImage is one call with no progress)
   */
  public static CriRuntime connect(String host, Duration pullTimeout) {
    throw new UnsupportedOperationException("not yet");
  }

  /** {@code unix:///path} of the runtime's socket (asks nothing). */
  public String host() {
    throw new UnsupportedOperationException("not yet");
  }

  /** Runtime name and version, CRI version, whether containerd's own API answers (cached). */
  public RuntimeInfo info() {
    throw new UnsupportedOperationException("not yet");
  }

  /** Every image (one CRI ListImages; on containerd plus one images List for labels/created). */
  public List<CriImage> list() {
    throw new UnsupportedOperationException("not yet");
  }

  /** The image named by a reference (familiar or qualified), digest reference or ID. */
  public Optional<CriImage> get(String referenceOrId) {
    throw new UnsupportedOperationException("not yet");
  }

  /**
   * Pulls {@code reference} (qualified or familiar; {@code docker.io} names are normalised as the
   * kubelet does), with the runtime's own registry configuration. Cancelled when the deadline
   * passes, the calling thread is interrupted or the runtime is closed.
   *
   * @param auth credentials for the reference's registry, or null
   */
  public CriImage pull(String reference, AuthConfig auth) {
    throw new UnsupportedOperationException("not yet");
  }

  /**
   * Gives the image named {@code source} (reference or ID) the name {@code target} (replaced if it
   * exists).
   */
  public void tag(String source, String target) {
    throw new UnsupportedOperationException("not yet");
  }

  /**
   * Removes one name; the image stays while other names remain. When the name is the image's only
   * one, the image is removed (CRI RemoveImage), which fails if a container uses it.
   */
  public void untag(String reference) {
    throw new UnsupportedOperationException("not yet");
  }

  /**
   * Removes the image with every name it has (CRI RemoveImage). Refused with {@link
   * ImageInUseException} when a container (running or not) uses it: CRI itself does not check.
   */
  public void removeImage(String referenceOrId) {
    throw new UnsupportedOperationException("not yet");
  }

  /**
   * Pushes the image named {@code reference} to its registry: the blobs of its manifest (or of the
   * index and every platform's manifest present) read from containerd's content store.
   *
   * @return the manifest digest the registry now serves for it
   */
  public String push(String reference, AuthConfig auth) {
    throw new UnsupportedOperationException("not yet");
  }

  /** Every container, running or not (CRI ListContainers). */
  public List<CriContainer> containers() {
    throw new UnsupportedOperationException("not yet");
  }

  /**
   * containerd's image events ({@code /images/create}, {@code /images/update}, {@code
   * /images/delete}) of namespace {@code k8s.io}, until closed.
   */
  public ImageEvents events() {
    throw new UnsupportedOperationException("not yet");
  }

  /** Releases the connection; a pull in flight is cancelled. */
  @Override
  public void close() {}

  /** One image event: its topic ({@code /images/delete}) and the image name. */
  public record ImageEvent(String topic, String name) {}

  /** A blocking stream of image events; {@link #close()} ends it from any thread. */
  public interface ImageEvents extends Iterator<ImageEvent>, AutoCloseable {
    @Override
    void close();
  }
}
