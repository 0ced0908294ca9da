package dev.imagespec.reconcile;

import dev.imagespec.engine.ProgressEvent;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Folds an engine's per-layer progress items ({@link ProgressEvent}) into one {@link
 * TransferProgress} for the whole pull or push, passed on when it changes. Docker reports bytes per
 * layer ({@code Downloading}, {@code Extracting}, {@code Pushing}); Podman's libpod reports only
 * lines ({@code Copying blob ...}): the phase without bytes. One tally per call, fed from the one
 * thread reading the stream.
 */
final class TransferTally implements Consumer<ProgressEvent> {
  private enum LayerState {
    WAITING,
    MOVING,
    EXTRACTING,
    DONE
  }

  private static final class Layer {
    LayerState state = LayerState.WAITING;
    long done;
    long total = -1;
  }

  private final boolean push;
  private final Consumer<TransferProgress> out;
  private final Map<String, Layer> layers = new LinkedHashMap<>();
  private TransferProgress last;

  private TransferTally(boolean push, Consumer<TransferProgress> out) {
    this.push = push;
    this.out = out;
  }

  static TransferTally pull(Consumer<TransferProgress> out) {
    return new TransferTally(false, out);
  }

  static TransferTally push(Consumer<TransferProgress> out) {
    return new TransferTally(true, out);
  }

  @Override
  public void accept(ProgressEvent e) {
    if (e.isError()) {
      return;
    }
    String status = e.status() == null ? "" : e.status().toLowerCase(Locale.ROOT);
    if (e.id() != null && !status.isEmpty() && isLayerStatus(status)) {
      Layer l = layers.computeIfAbsent(e.id(), k -> new Layer());
      layer(l, status, e);
    }
    emit(summary());
  }

  /** Statuses about one layer, not about the image ("Pulling from x", "latest: digest: ..."). */
  private static boolean isLayerStatus(String status) {
    return !status.startsWith("pulling from")
        && !status.startsWith("digest:")
        && !status.startsWith("status:")
        && !status.contains(": digest:");
  }

  private void layer(Layer l, String status, ProgressEvent e) {
    if (status.startsWith("downloading") || status.startsWith("pushing")) {
      l.state = LayerState.MOVING;
      if (e.total() > 0) {
        l.total = e.total();
        l.done = Math.max(0, Math.min(e.current(), e.total()));
      }
    } else if (status.startsWith("extracting")) {
      l.state = LayerState.EXTRACTING;
      if (l.total > 0) {
        l.done = l.total; // the download is complete; extraction bytes are not transfer bytes
      }
    } else if (status.startsWith("verifying")
        || status.startsWith("download complete")
        || status.startsWith("pushed")) {
      l.state = push ? LayerState.DONE : LayerState.EXTRACTING;
      if (l.total > 0) {
        l.done = l.total;
      }
    } else if (status.startsWith("pull complete")
        || status.startsWith("already exists")
        || status.startsWith("layer already exists")
        || status.startsWith("mounted from")) {
      l.state = LayerState.DONE;
      if (l.total > 0) {
        l.done = l.total;
      }
    }
    // "Pulling fs layer", "Waiting", "Preparing": waiting
  }

  private TransferProgress summary() {
    long done = 0;
    long total = 0;
    boolean moving = false;
    boolean waiting = false;
    boolean extracting = false;
    for (Layer l : layers.values()) {
      if (l.total > 0) {
        done += l.done;
        total += l.total;
      }
      switch (l.state) {
        case MOVING -> moving = true;
        case WAITING -> waiting = true;
        case EXTRACTING -> extracting = true;
        case DONE -> {}
      }
    }
    TransferProgress.Phase phase;
    if (moving || layers.isEmpty()) {
      phase = push ? TransferProgress.Phase.UPLOADING : TransferProgress.Phase.DOWNLOADING;
    } else if (extracting) {
      phase = TransferProgress.Phase.EXTRACTING;
    } else if (waiting) {
      phase = TransferProgress.Phase.WAITING;
    } else {
      phase = push ? TransferProgress.Phase.UPLOADING : TransferProgress.Phase.EXTRACTING;
    }
    return total > 0
        ? new TransferProgress(phase, done, total)
        : new TransferProgress(phase, -1, -1);
  }

  private void emit(TransferProgress p) {
    if (!p.equals(last)) {
      last = p;
      out.accept(p);
    }
  }
}
