package dev.imagespec.reconcile;

import dev.imagespec.spec.SpecKey;
import java.util.List;

/**
 * One mutating engine call the reconciler will make.
 *
 * <ul>
 *   <li>{@code PULL}: {@code image} = reference to pull (canonical form)
 *   <li>{@code TAG}: {@code image} = the spec entry's image, {@code target} = the new reference
 *   <li>{@code PUSH}: {@code image} = the spec entry's image, {@code target} = the pushed reference
 *   <li>{@code REMOVE}: {@code image} = the reference removed
 *   <li>{@code PRUNE}: {@code image} = the ID of the image removed
 * </ul>
 *
 * @param spec the (first) spec that needs it
 * @param kind what to do
 * @param image see above
 * @param target tag or push target, else null
 * @param reason why, for humans
 * @param sharedWith other specs that need the same action (it is done once)
 * @param details what the executor needs beyond the above
 */
public record PlannedAction(
    SpecKey spec,
    ActionKind kind,
    String image,
    String target,
    String reason,
    List<SpecKey> sharedWith,
    Details details) {

  public PlannedAction {
    sharedWith = sharedWith == null ? List.of() : List.copyOf(sharedWith);
    details = details == null ? Details.NONE : details;
  }

  /** An action without sharing or details (tests, front ends). */
  public PlannedAction(SpecKey spec, ActionKind kind, String image, String target, String reason) {
    this(spec, kind, image, target, reason, List.of(), Details.NONE);
  }

  /**
   * Execution details; none of them is a credential.
   *
   * @param platform platform to pull, or null
   * @param namespace namespace whose Secrets provide credentials
   * @param secretNames Secrets to try, in order (pullSecrets, or the push's credentialsSecret)
   * @param sourceId local image ID at plan time (tag and push sources), or null
   * @param size bytes (prune)
   * @param repoTags the image's tags as the engine lists them (prune)
   * @param timeout the action's deadline (a pull's {@code pullTimeout}), null for the executor's
   *     default
   * @param orDefault whether the executor's default counts too, when longer: a pull shared with an
   *     entry that sets no {@code pullTimeout}
   */
  public record Details(
      String platform,
      String namespace,
      List<String> secretNames,
      String sourceId,
      long size,
      List<String> repoTags,
      java.time.Duration timeout,
      boolean orDefault) {
    public static final Details NONE =
        new Details(null, null, List.of(), null, 0, List.of(), null, false);

    /** Details without a deadline of their own. */
    public Details(
        String platform,
        String namespace,
        List<String> secretNames,
        String sourceId,
        long size,
        List<String> repoTags) {
      this(platform, namespace, secretNames, sourceId, size, repoTags, null, false);
    }

    public Details {
      secretNames = secretNames == null ? List.of() : List.copyOf(secretNames);
      repoTags = repoTags == null ? List.of() : List.copyOf(repoTags);
    }
  }

  /** Identity of the action within a plan: kind, image and target. */
  public String key() {
    return kind + " " + image + (target == null ? "" : " -> " + target);
  }

  /** Every spec that needs this action, the owner first. */
  public List<SpecKey> specs() {
    if (sharedWith.isEmpty()) {
      return List.of(spec);
    }
    var all = new java.util.ArrayList<SpecKey>();
    all.add(spec);
    all.addAll(sharedWith);
    return all;
  }

  /** The {@code plan -o json} shape. */
  public PlannedActionJson toJson() {
    return new PlannedActionJson(spec.toString(), kind.jsonName(), image, target, reason);
  }

  /** One line for humans, e.g. {@code pull docker.io/library/busybox:latest (not present)}. */
  public String describe() {
    return kind.jsonName()
        + " "
        + image
        + (target == null ? "" : (kind == ActionKind.PUSH ? " to " : " as ") + target)
        + (reason == null ? "" : " (" + reason + ")");
  }

  PlannedAction withSharedSpec(SpecKey other) {
    if (other.equals(spec) || sharedWith.contains(other)) {
      return this;
    }
    var list = new java.util.ArrayList<>(sharedWith);
    list.add(other);
    return new PlannedAction(spec, kind, image, target, reason, list, details);
  }
}
