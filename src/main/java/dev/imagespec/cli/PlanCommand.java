package dev.imagespec.cli;

import dev.imagespec.reconcile.ImageBackend;
import dev.imagespec.reconcile.Plan;
import dev.imagespec.reconcile.PlannedAction;
import dev.imagespec.reconcile.ReconcileOptions;
import dev.imagespec.reconcile.Reconciler;
import dev.imagespec.spec.Manifests;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code imagespec plan -f PATH}: the actions apply would take, changing nothing. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = {
      "Show the actions 'apply' would take, changing nothing.",
      "With -o json: a JSON array of {spec, action, image, reason}; [] when converged."
    })
final class PlanCommand extends EngineCommand {
  @Mixin OutputOptions output;

  @Mixin ManifestOptions input;

  @Option(names = "--prune", description = "Include the specs' prune policies now.")
  boolean prune;

  @Override
  public Integer call() {
    Manifests m = input.load("plan", err());
    try (ImageBackend client = engine.connect()) {
      Reconciler r =
          new Reconciler(
              client.port(),
              ReconcileSupport.credentials(m, engine.credentials()),
              ReconcileOptions.defaults().withDryRun(true).withPruneAll(prune));
      Plan plan = r.plan(m.specs(), Map.of());
      if (output.json()) {
        output.print(out(), plan.toJson());
      } else if (plan.actions().isEmpty()) {
        out().println("Nothing to do: every spec is converged.");
      } else {
        Table t = new Table("SPEC", "ACTION", "IMAGE", "REASON");
        for (PlannedAction a : plan.actions()) {
          var j = a.toJson();
          t.row(j.spec(), j.action(), j.image(), j.reason());
        }
        t.print(out());
      }
      out().flush();
      return ExitCodes.OK;
    }
  }
}
