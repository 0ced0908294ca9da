package dev.imagespec.reconcile;

/**
 * How far one pull or push has come, as the image store reports it.
 *
 * @param phase what the store is doing now
 * @param done bytes transferred so far, -1 when the store reports no bytes (CRI, Podman's libpod)
 * @param total bytes of the layers whose size the store has reported so far, -1 when none; it can
 *     grow while layers start
 */
public record TransferProgress(Phase phase, long done, long total) {
  /** What a transfer is doing. */
  public enum Phase {
    /** Layers wait for their turn. */
    WAITING,
    /** Layers are downloading. */
    DOWNLOADING,
    /** Downloads are done, layers are unpacked. */
    EXTRACTING,
    /** Layers are uploading. */
    UPLOADING
  }

  /** Whether the store told bytes. */
  public boolean hasBytes() {
    return total > 0;
  }
}
