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

  @Override
  void close();

  /** A blocking stream of image events, one line each ({@code delete sha256:...}). */
  interface EventFeed extends Iterator<String>, AutoCloseable {
    /** Ends the stream; safe from any thread. */
    @Override
    void close();
  }
}
