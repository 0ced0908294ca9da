package dev.imagespec.spec;

/** Observed state of one push target. */
public enum PushState {
  /** The target registry holds the image's digest. */
  Pushed,
  /** A push is planned but not executed yet. */
  Pending,
  /** The push (or the image it needs) failed; the message says why. */
  Failed,
  /** The entry is in conflict with another spec; nothing is pushed. */
  Conflict
}
