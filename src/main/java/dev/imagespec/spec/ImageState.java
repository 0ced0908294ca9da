package dev.imagespec.spec;

/** Observed state of one declared image. */
public enum ImageState {
  /** The image is on the engine (desired Present). */
  Present,
  /** The image is not on the engine (desired Absent). */
  Absent,
  /** An action is planned but not executed yet (dry run, or in progress). */
  Pending,
  /** The last attempt to converge failed; the message says why. */
  Failed,
  /** Specs disagree about this reference; nothing is done until they agree. */
  Conflict,
  /**
   * Operator mode: the image needs a pull that waits for a rollout permit ({@code
   * rollout.maxConcurrentNodes}); reason {@code RolloutThrottled}.
   */
  Waiting
}
