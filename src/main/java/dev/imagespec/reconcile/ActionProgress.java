package dev.imagespec.reconcile;

import java.time.Duration;
import java.util.List;

/**
 * Hears a pass's actions while they run ({@link Reconciler#withProgress}). The executor calls it
 * from its worker threads, several at once: implementations are thread-safe and return quickly. An
 * exception it throws is ignored.
 */
public interface ActionProgress {
  /** Hears nothing. */
  ActionProgress NONE = new ActionProgress() {};

  /** The actions the pass is about to run, in plan order, before the first starts. */
  default void planned(List<PlannedAction> actions) {}

  /** {@code action} starts. */
  default void started(PlannedAction action) {}

  /** A pull or push moved on (only from stores that report progress: Docker, Podman). */
  default void transferred(PlannedAction action, TransferProgress progress) {}

  /**
   * {@code outcome}'s action ended after {@code elapsed} (with its retries); a skipped action ends
   * without having started, in zero time.
   */
  default void finished(ActionOutcome outcome, Duration elapsed) {}
}
