package dev.imagespec.cli;

import dev.imagespec.engine.ApiException;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.RemoveReport;
import dev.imagespec.reconcile.ErrorMessages;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code imagespec images rm IMAGE...}: as {@code docker rmi}. */
@Command(
    name = "rm",
    aliases = {"remove", "rmi"},
    mixinStandardHelpOptions = true,
    description = "Remove images (untag; delete when no tag is left).")
final class ImagesRmCommand extends ImagesSubcommand {
  @Mixin ImageArgs.Several images;

  @Option(
      names = {"-f", "--force"},
      description = "Remove even if used by containers or tagged several times.")
  boolean force;

  @Option(names = "--no-prune", description = "Keep untagged parents (Docker; Podman ignores it).")
  boolean noprune;

  @Override
  Integer run(Images engineImages) {
    List<RemoveReport> reports = new ArrayList<>();
    for (String n : images.names) {
      try {
        reports.add(engineImages.remove(n, force, noprune));
      } catch (ApiException e) {
        // as docker rmi: report it, go on with the other names, exit 1 at the end
        reports.add(
            new RemoveReport(List.of(), List.of(), List.of(n + ": " + ErrorMessages.of(e)), 1));
      }
    }
    if (output.json()) {
      output.print(out(), reports);
    } else {
      for (RemoveReport r : reports) {
        r.untagged().forEach(u -> out().println("Untagged: " + u));
        r.deleted().forEach(d -> out().println("Deleted: " + d));
        r.errors().forEach(e -> out().println("Error: " + e));
      }
      out().flush();
    }
    return reports.stream().anyMatch(r -> !r.errors().isEmpty()) ? ExitCodes.FAILED : ExitCodes.OK;
  }
}
