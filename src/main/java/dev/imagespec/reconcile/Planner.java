package dev.imagespec.reconcile;

import java.util.List;

/**
 * Decides what to do. Pure: it looks only at its {@link PlanInput} and never calls the engine or a
 * registry, so it can be tested with tables.
 *
 * <p>A pass has three planner steps:
 *
 * <ol>
 *   <li>{@link #registryChecks}: which references need a registry digest lookup ({@code pullPolicy:
 *       Always} images whose {@code refreshInterval} elapsed, push targets not verified recently);
 *       the reconciler asks the registry and puts the answers in {@link PlanInput#registry()};
 *   <li>{@link #needsContainers}: whether a remove or prune needs the container list;
 *   <li>{@link #plan}: the ordered actions and the state of every image and push.
 * </ol>
 */
public final class Planner {
  private Planner() {}

  /** Registry lookups the plan needs, deduplicated by reference. */
  public static List<RegistryCheck> registryChecks(PlanInput input) {
    return new PlanBuilder(input).registryChecks();
  }

  /** True when a remove or prune needs to know which images containers use. */
  public static boolean needsContainers(PlanInput input) {
    return new PlanBuilder(input).needsContainers();
  }

  /** The plan of the pass. Registry answers missing from the input count as "not checked". */
  public static Plan plan(PlanInput input) {
    return new PlanBuilder(input).build();
  }
}
