package dev.imagespec.reconcile;

import dev.imagespec.spec.Ensure;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.PullPolicy;
import java.time.Instant;
import java.util.List;

/**
 * The planner's verdict on one {@code spec.images} entry.
 *
 * @param index entry index in {@code spec.images}
 * @param image the image as written in the spec
 * @param canonical normalised reference, null when invalid
 * @param ensure desired presence
 * @param policy effective pull policy
 * @param state {@code Pending} when actions are planned, else the final state
 * @param id local image ID when known
 * @param digest repository digest when known
 * @param message why (failed, conflict, registry warning), or null
 * @param lastChecked when the registry was last asked (Always), or null
 * @param problem Degraded reason when this entry degrades the spec ({@code Conflict}, {@code
 *     PullFailed}, {@code RemoveFailed}, {@code RegistryCheckFailed}, {@code InvalidSpec}), or
 *     null; {@code AccessPending} and {@code RolloutThrottled} are no problems: see {@link
 *     #waits()}
 * @param pull the pull this entry waits for, or null
 * @param tags tags this entry waits for
 * @param remove the remove this entry waits for, or null
 */
public record ImagePlan(
    int index,
    String image,
    String canonical,
    Ensure ensure,
    PullPolicy policy,
    ImageState state,
    String id,
    String digest,
    String message,
    Instant lastChecked,
    String problem,
    PlannedAction pull,
    List<PlannedAction> tags,
    PlannedAction remove) {
  public ImagePlan {
    tags = tags == null ? List.of() : List.copyOf(tags);
  }

  /**
   * True when the entry waits, with no action, whether or not the plan runs: for a shared access
   * verdict ({@link SharedAccess}: {@code Pending}, {@code AccessPending}) or for a rollout permit
   * ({@link PullHolds}: {@code Waiting}).
   */
  public boolean waits() {
    return (state == ImageState.Pending && Reasons.ACCESS_PENDING.equals(problem))
        || state == ImageState.Waiting;
  }
}
