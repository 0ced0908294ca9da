package dev.imagespec.cli;

import dev.imagespec.engine.BuildPruneReport;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.PruneBuildsOptions;
import dev.imagespec.reconcile.ByteSizes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code imagespec images prune-builds}. */
@Command(
    name = "prune-builds",
    mixinStandardHelpOptions = true,
    description = "Remove build cache.")
final class ImagesPruneBuildsCommand extends ImagesSubcommand {
  @Option(
      names = {"-a", "--all"},
      description = "All unused cache, not only dangling.")
  boolean all;

  @Option(names = "--reserved-space", paramLabel = "BYTES")
  Long reservedSpace;

  @Option(names = "--max-used-space", paramLabel = "BYTES")
  Long maxUsedSpace;

  @Option(names = "--min-free-space", paramLabel = "BYTES")
  Long minFreeSpace;

  @Option(
      names = {"-f", "--filter"},
      paramLabel = "KEY=VALUE")
  List<String> filters = new ArrayList<>();

  @Override
  Integer run(Images images) {
    PruneBuildsOptions.Builder b = PruneBuildsOptions.builder();
    if (all) {
      b.all(true);
    }
    if (reservedSpace != null) {
      b.reservedSpace(reservedSpace);
    }
    if (maxUsedSpace != null) {
      b.maxUsedSpace(maxUsedSpace);
    }
    if (minFreeSpace != null) {
      b.minFreeSpace(minFreeSpace);
    }
    for (String f : filters) {
      Map.Entry<String, String> kv = KeyValues.entry(f, "--filter");
      b.filter(kv.getKey(), kv.getValue());
    }
    BuildPruneReport r = images.pruneBuilds(b.build());
    if (output.json()) {
      output.print(out(), r);
    } else {
      r.cachesDeleted().forEach(c -> out().println("Deleted: " + c));
      out().println("Total reclaimed space: " + ByteSizes.format(r.spaceReclaimed()));
      out().flush();
    }
    return ExitCodes.OK;
  }
}
