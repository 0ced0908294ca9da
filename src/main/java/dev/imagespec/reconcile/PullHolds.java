package dev.imagespec.reconcile;

/**
 * Pulls a front end holds back for one pass: the operator's agent backs off re-pulling an image the
 * kubelet's image GC keeps removing. The planner asks only about images that are missing and would
 * be pulled; a held image is not pulled and its entries are {@code Failed} with the hold's reason
 * and message.
 */
@FunctionalInterface
public interface PullHolds {
  /**
   * The hold on pulling the missing image {@code canonical} (a canonical reference) in this pass,
   * or null to pull it.
   */
  Hold hold(String canonical);

  /** No holds: every missing image is pulled. */
  static PullHolds none() {
    return canonical -> null;
  }

  /**
   * Why a pull is held back.
   *
   * @param reason the entries' status reason (e.g. {@link Reasons#GARBAGE_COLLECTED})
   * @param message what happened and what to do
   */
  record Hold(String reason, String message) {}
}
