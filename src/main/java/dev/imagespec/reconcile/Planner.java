package dev.imagespec.reconcile;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides what to do. Pure: it looks only at its {@link PlanInput} and never calls the engine or a
 * registry, so it can be tested with tables.
 *
 * <p>A reconcile pass asks one {@link Pass} three things, and each step is computed once:
 *
 * <ol>
 *   <li>{@link Pass#registryChecks}: which references need a registry digest lookup ({@code
 *       pullPolicy: Always} images whose {@code refreshInterval} elapsed, push targets not verified
 *       recently, access checks of images another identity's credentials brought); the reconciler
 *       asks the registry;
 *   <li>{@link Pass#needsContainers}: whether a remove or prune needs the container list;
 *   <li>{@link Pass#plan}: with the answers and containers, the ordered actions and the state of
 *       every image and push.
 * </ol>
 *
 * <p>The steps, one class each: {@link SpecEntries} (parse), {@link Conflicts}, {@link
 * PullDecisions}, {@link AccessVerdicts}, {@link ImageVerdicts} (tags, removes), {@link
 * PushVerdicts}, {@link PruneSelection}, {@link PlanAssembly}; actions accumulate in an {@link
 * ActionBook}.
 *
 * <p>The static methods are one-shot shortcuts over a fresh {@link Pass} (tables, benchmarks).
 */
public final class Planner {
  private Planner() {}

  /** The start of a pass over {@code input}: its specs parsed and their conflicts found. */
  public static Pass pass(PlanInput input) {
    return new Pass(input);
  }

  /** Registry lookups the plan needs, deduplicated by reference. */
  public static List<RegistryCheck> registryChecks(PlanInput input) {
    return pass(input).registryChecks();
  }

  /** True when a remove or prune needs to know which images containers use. */
  public static boolean needsContainers(PlanInput input) {
    return pass(input).needsContainers();
  }

  /** The plan of the pass. Registry answers missing from the input count as "not checked". */
  public static Plan plan(PlanInput input) {
    return pass(input).plan(input.registry(), input.containers());
  }

  /**
   * One planner pass. Parses the specs and finds conflicts once, at creation; the questions for the
   * engine and registry depend only on that, the plan on their answers.
   */
  public static final class Pass {
    private final PlanInput input;
    private final LocalIndex index;
    private final SpecEntries specs;
    private final Conflicts conflicts;
    private final Map<String, Integer> stepRuns = new LinkedHashMap<>();
    private List<RegistryCheck> checks;
    private Boolean needsContainers;
    private PullDecisions pulls;
    private AccessVerdicts access;
    private boolean planned;

    private Pass(PlanInput input) {
      this.input = input;
      this.index = new LocalIndex(input.images());
      this.specs = step("entries", () -> new SpecEntries(input));
      this.conflicts = step("conflicts", () -> new Conflicts(specs, index));
    }

    /**
     * Registry lookups the plan needs, deduplicated by key: pulls first, then pushes, then access
     * checks.
     */
    public List<RegistryCheck> registryChecks() {
      if (checks == null) {
        checks =
            step(
                "registryChecks",
                () -> {
                  Map<String, RegistryCheck> byKey = new LinkedHashMap<>();
                  List<RegistryCheck> all = new ArrayList<>(pulls().checks());
                  all.addAll(pushVerdicts().checks());
                  all.addAll(access().checks());
                  all.forEach(c -> byKey.putIfAbsent(c.key(), c));
                  return List.copyOf(byKey.values());
                });
      }
      return checks;
    }

    /** True when a remove or prune needs to know which images containers use. */
    public boolean needsContainers() {
      if (needsContainers == null) {
        needsContainers = step("needsContainers", this::computeNeedsContainers);
      }
      return needsContainers;
    }

    /**
     * The plan of the pass.
     *
     * @param answers answers to {@link #registryChecks()} by {@link RegistryCheck#key()}; missing
     *     ones count as "not checked"
     * @param containers the engine's containers, or null when not listed
     */
    public Plan plan(Map<String, RegistryAnswer> answers, List<ContainerRef> containers) {
      if (planned) {
        throw new IllegalStateException("a planner pass plans once; start another pass");
      }
      planned = true;
      Map<String, RegistryAnswer> registry = answers == null ? Map.of() : answers;
      List<ContainerRef> cs = containers == null ? null : List.copyOf(containers);
      return step(
          "plan",
          () -> {
            ActionBook book = new ActionBook();
            PullDecisions decisions = pulls();
            decisions.decide(registry, book);
            AccessVerdicts verdicts = access();
            verdicts.decide(registry);
            return PlanAssembly.assemble(
                specs,
                new ImageVerdicts(conflicts, decisions, verdicts, index, cs, input.now(), book),
                new PushVerdicts(specs, conflicts, decisions, verdicts, index, input.now()),
                new PruneSelection(specs, index, cs, input.now()),
                registry,
                book,
                input.now());
          });
    }

    /** How often each step ran in this pass (for tests: each runs once). */
    Map<String, Integer> stepRuns() {
      return Map.copyOf(stepRuns);
    }

    private PullDecisions pulls() {
      if (pulls == null) {
        pulls =
            step(
                "pullDecisions",
                () ->
                    new PullDecisions(
                        specs,
                        conflicts,
                        index,
                        input.now(),
                        input.identities(),
                        input.pullHolds()));
      }
      return pulls;
    }

    private AccessVerdicts access() {
      if (access == null) {
        access =
            step(
                "accessVerdicts",
                () ->
                    new AccessVerdicts(
                        specs,
                        conflicts,
                        pulls(),
                        input.identities(),
                        input.proofs(),
                        input.now()));
      }
      return access;
    }

    private PushVerdicts pushVerdicts() {
      return new PushVerdicts(specs, conflicts, pulls(), access(), index, input.now());
    }

    private boolean computeNeedsContainers() {
      for (SpecEntries.Spec c : specs.specs()) {
        if (c.pruneSelected) {
          return true;
        }
        for (SpecEntries.Entry e : c.entries) {
          if (conflicts.clear(e)
              && e.ensure == dev.imagespec.spec.Ensure.Absent
              && index.find(e.ref) != null) {
            return true;
          }
        }
      }
      return false;
    }

    private <T> T step(String name, java.util.function.Supplier<T> s) {
      stepRuns.merge(name, 1, Integer::sum);
      return s.get();
    }
  }
}
