package dev.imagespec.cli;

import dev.imagespec.engine.Images;
import dev.imagespec.engine.PruneOptions;
import dev.imagespec.engine.PruneReport;
import dev.imagespec.reconcile.ByteSizes;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code imagespec images prune}. */
@Command(name = "prune", mixinStandardHelpOptions = true, description = "Remove unused images.")
final class ImagesPruneCommand extends ImagesSubcommand {
  @Option(
      names = {"-a", "--all"},
      description = "Every unused image, not only dangling ones.")
  boolean all;

  @Option(
      names = {"-f", "--filter"},
      paramLabel = "KEY=VALUE",
      description = "until=TIMESTAMP|DURATION, label=KEY[=VALUE], label!=KEY[=VALUE].")
  List<String> filters = new ArrayList<>();

  @Override
  Integer run(Images images) {
    PruneOptions.Builder b = PruneOptions.builder().dangling(!all);
    for (String f : filters) {
      if (f.startsWith("label!=")) {
        b.label("!" + f.substring("label!=".length()));
      } else if (f.startsWith("label=")) {
        b.label(f.substring("label=".length()));
      } else if (f.startsWith("until=")) {
        b.until(f.substring("until=".length()));
      } else {
        throw new CliUsageException("--filter '" + f + "': expected until=, label= or label!=");
      }
    }
    PruneReport r = images.prune(b.build());
    if (output.json()) {
      output.print(out(), r);
    } else {
      for (PruneReport.DeletedItem i : r.imagesDeleted()) {
        out()
            .println(
                i.untagged() != null ? "Untagged: " + i.untagged() : "Deleted: " + i.deleted());
      }
      out().println("Total reclaimed space: " + ByteSizes.format(r.spaceReclaimed()));
      out().flush();
    }
    return ExitCodes.OK;
  }
}
