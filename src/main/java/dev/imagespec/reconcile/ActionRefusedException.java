package dev.imagespec.reconcile;

import java.util.Objects;

/**
 * An {@link ImagePort} call refused before it reached the image store (e.g. the operator's disk
 * guard refusing a pull). Never retried; its {@link #reason()} becomes the failed outcome's status
 * reason ({@link ActionOutcome#reason()}) and its message the entry's.
 */
public class ActionRefusedException extends RuntimeException {
  private final String reason;

  /**
   * @param reason a {@link Reasons} constant
   * @param message the cause and what to do
   */
  public ActionRefusedException(String reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** The status reason, e.g. {@link Reasons#INSUFFICIENT_DISK}. */
  public String reason() {
    return reason;
  }
}
