package dev.imagespec.reconcile;

import dev.imagespec.reconcile.SpecEntries.Entry;
import dev.imagespec.reconcile.SpecEntries.Spec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Planner step 8: runs the verdict steps in plan order (per spec, per entry: image then pushes;
 * then every spec's prune) and assembles the {@link Plan}: ordered actions and per-spec verdicts.
 * The order matters: an action two entries need belongs to the first that registers it.
 */
final class PlanAssembly {
  private PlanAssembly() {}

  static Plan assemble(
      SpecEntries specs,
      ImageVerdicts images,
      PushVerdicts pushes,
      PruneSelection prunes,
      Map<String, RegistryAnswer> answers,
      ActionBook book,
      Instant now) {
    List<List<ImageVerdicts.Verdict>> imageVerdicts = new ArrayList<>();
    List<List<PushVerdicts.Verdict>> pushVerdicts = new ArrayList<>();
    for (Spec c : specs.specs()) {
      List<ImageVerdicts.Verdict> iv = new ArrayList<>();
      List<PushVerdicts.Verdict> pv = new ArrayList<>();
      for (Entry e : c.entries) {
        iv.add(images.of(e));
        pv.addAll(pushes.of(e, answers, book));
      }
      imageVerdicts.add(iv);
      pushVerdicts.add(pv);
    }
    List<PruneSelection.Draft> pruneDrafts = new ArrayList<>();
    for (Spec c : specs.specs()) {
      pruneDrafts.add(prunes.of(c, book));
    }
    List<SpecPlan> specPlans = new ArrayList<>();
    for (int i = 0; i < specs.specs().size(); i++) {
      Spec c = specs.specs().get(i);
      PruneSelection.Draft prune = pruneDrafts.get(i);
      specPlans.add(
          new SpecPlan(
              c.key,
              c.spec,
              c.prev,
              imageVerdicts.get(i).stream().map(v -> v.toPlan(book)).toList(),
              pushVerdicts.get(i).stream().map(v -> v.toPlan(book)).toList(),
              prune == null ? null : prune.toPlan(book)));
    }
    return new Plan(now, book.ordered(), specPlans);
  }
}
