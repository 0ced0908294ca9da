package dev.imagespec.reconcile;

import dev.imagespec.spec.PushState;
import java.time.Instant;

/**
 * The planner's verdict on one push target.
 *
 * @param entryIndex index of the entry in {@code spec.images}
 * @param image the entry's image as written
 * @param to the target as written
 * @param toCanonical normalised target, null when invalid
 * @param state {@code Pending} when a push is planned, else the final state
 * @param digest digest the target registry holds, when known
 * @param id local image ID that was (or will be) pushed, when known
 * @param message why, or null
 * @param lastChecked when the target registry was last checked or pushed to
 * @param tag the local tag as {@code to} this push waits for, or null
 * @param push the push, or null
 * @param problem the Degraded reason the planner decided for a failed target (e.g. {@code
 *     Unauthorized}), or null: then a failure's reason comes from its actions; {@code
 *     AccessPending} for a target that waits ({@link #waits()})
 */
public record PushPlan(
    int entryIndex,
    String image,
    String to,
    String toCanonical,
    PushState state,
    String digest,
    String id,
    String message,
    Instant lastChecked,
    PlannedAction tag,
    PlannedAction push,
    String problem) {
  /**
   * True when the push waits for the image's shared access verdict or its rollout permit: nothing
   * is planned for it.
   */
  public boolean waits() {
    return state == PushState.Pending
        && (Reasons.ACCESS_PENDING.equals(problem) || Reasons.ROLLOUT_THROTTLED.equals(problem));
  }
}
