package dev.imagespec.reconcile;

/**
 * What happened to one planned action.
 *
 * @param action the action
 * @param result succeeded, failed, or skipped (not attempted because an earlier step failed)
 * @param message the error or skip reason, or a note; never contains credentials
 * @param attempts engine calls made (retries included); 0 when skipped
 * @param image the pulled image (PULL), else null
 * @param digest the pushed digest (PUSH), else null
 * @param imageId the image tagged/pushed/removed, when known
 * @param bytes bytes reclaimed (PRUNE)
 * @param reason the status reason of a failure when it is not the action's usual one (e.g. {@link
 *     Reasons#UNSUPPORTED}), else null
 */
public record ActionOutcome(
    PlannedAction action,
    Result result,
    String message,
    int attempts,
    LocalImage image,
    String digest,
    String imageId,
    long bytes,
    String reason) {
  public ActionOutcome(
      PlannedAction action,
      Result result,
      String message,
      int attempts,
      LocalImage image,
      String digest,
      String imageId,
      long bytes) {
    this(action, result, message, attempts, image, digest, imageId, bytes, null);
  }

  /** Outcome kind. */
  public enum Result {
    SUCCEEDED,
    FAILED,
    SKIPPED
  }

  public boolean succeeded() {
    return result == Result.SUCCEEDED;
  }

  static ActionOutcome skipped(PlannedAction a, String why) {
    return new ActionOutcome(a, Result.SKIPPED, why, 0, null, null, null, 0);
  }

  static ActionOutcome failed(PlannedAction a, String why, int attempts) {
    return new ActionOutcome(a, Result.FAILED, why, attempts, null, null, null, 0);
  }

  static ActionOutcome failed(PlannedAction a, String why, int attempts, String reason) {
    return new ActionOutcome(a, Result.FAILED, why, attempts, null, null, null, 0, reason);
  }

  /** The failure's reason, or {@code usual} when it has none of its own. */
  String reasonOr(String usual) {
    return reason != null ? reason : usual;
  }

  static ActionOutcome ok(PlannedAction a, int attempts) {
    return new ActionOutcome(a, Result.SUCCEEDED, null, attempts, null, null, null, 0);
  }

  /** One line for humans. */
  public String describe() {
    return action.describe()
        + ": "
        + result.name().toLowerCase(java.util.Locale.ROOT)
        + (message == null ? "" : " (" + message + ")");
  }
}
