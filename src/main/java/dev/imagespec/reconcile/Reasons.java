package dev.imagespec.reconcile;

/**
 * Every condition and event reason imagespec writes, in one place. The strings are API: users'
 * alerts and {@code kubectl wait} match on them, so they never change.
 */
public final class Reasons {
  private Reasons() {}

  // ---- why a spec is Degraded (an entry's problem), also the reasons of failed-action events

  /** A reference is Present in one entry and Absent in another, or declared for two images. */
  public static final String CONFLICT = "Conflict";

  /**
   * The spec's credentials may not read an image that is present (another spec's credentials
   * brought it), or another namespace declared first a local-only image it pushes.
   */
  public static final String UNAUTHORIZED = "Unauthorized";

  public static final String PULL_FAILED = "PullFailed";
  public static final String TAG_FAILED = "TagFailed";
  public static final String PUSH_FAILED = "PushFailed";
  public static final String REMOVE_FAILED = "RemoveFailed";

  /** The runtime cannot do this at all (CRI-O, or containerd without its own API: tag, push). */
  public static final String UNSUPPORTED = "Unsupported";

  /**
   * The operator's agent holds back re-pulling an image removed out of band (the kubelet's image
   * GC) three times within an hour: it backs off instead of a pull–GC loop.
   */
  public static final String GARBAGE_COLLECTED = "GarbageCollected";

  /**
   * The operator's agent refused a pull that would fill the node's image filesystem beyond {@code
   * --disk-high-percent} (its disk guard).
   */
  public static final String INSUFFICIENT_DISK = "InsufficientDisk";

  public static final String REGISTRY_CHECK_FAILED = "RegistryCheckFailed";
  public static final String PRUNE_FAILED = "PruneFailed";
  public static final String INVALID_SPEC = "InvalidSpec";

  // ---- successful-action events

  public static final String PULLED = "Pulled";
  public static final String PUSHED = "Pushed";
  public static final String TAGGED = "Tagged";
  public static final String REMOVED = "Removed";

  // ---- the Node condition ImagesWarm (operator: warm before scheduling)

  /** The Node condition type: the node's warm-before-scheduling specs are converged on it. */
  public static final String IMAGES_WARM = "ImagesWarm";

  /**
   * ImagesWarm False: the warm timeout passed first; the startup taint was removed anyway. Also an
   * image's (or push's) reason when its action ran out of its deadline and was cancelled.
   */
  public static final String TIMED_OUT = "TimedOut";

  /** Warning event: the warm timeout passed with images missing; the taint was removed anyway. */
  public static final String WARM_TIMED_OUT = "WarmTimedOut";

  /** The agent found a declared image gone that it had not removed (kubelet GC, by hand). */
  public static final String IMAGE_REMOVED_EXTERNALLY = "ImageRemovedExternally";

  // ---- Ready

  public static final String CONVERGED = "Converged";
  public static final String PENDING = "Pending";

  /**
   * An entry waits for the access check of an image other credentials brought, made once for the
   * cluster ({@link SharedAccess}); not a failure: also the Progressing reason while only such
   * checks are awaited.
   */
  public static final String ACCESS_PENDING = "AccessPending";

  public static final String NOT_CONVERGED = "NotConverged";
  public static final String NO_MATCHING_NODES = "NoMatchingNodes";

  // ---- Progressing

  public static final String ACTIONS_PENDING = "ActionsPending";
  public static final String RECONCILED = "Reconciled";
  public static final String NODES_PENDING = "NodesPending";
  public static final String PUSHES_PENDING = "PushesPending";

  /** Operator mode: a pull waits for a rollout permit ({@code rollout.maxConcurrentNodes}). */
  public static final String ROLLOUT_THROTTLED = "RolloutThrottled";

  public static final String PROGRESSING = "Progressing";
  public static final String REMOVING_IMAGES = "RemovingImages";
  public static final String IMAGES_REMOVED = "ImagesRemoved";

  /**
   * Operator mode: a deleted {@code deletionPolicy: Remove} spec released although nodes whose
   * agents were silent or whose Node was NotReady past {@code --finalizer-timeout} did not report
   * its images removed.
   */
  public static final String FINALIZER_TIMED_OUT = "FinalizerTimedOut";

  // ---- Degraded

  public static final String AS_EXPECTED = "AsExpected";
  public static final String DEGRADED = "Degraded";
  public static final String SPECS_DEGRADED = "SpecsDegraded";
  public static final String NODE_FAILED = "NodeFailed";
  public static final String ENGINE_UNAVAILABLE = "EngineUnavailable";
  public static final String RECONCILE_ERROR = "ReconcileError";
}
