package dev.imagespec.cli;

import dev.imagespec.engine.Images;
import dev.imagespec.engine.PruneOptions;
import dev.imagespec.engine.PruneReport;
import dev.imagespec.engine.cri.CriContainer;
import dev.imagespec.engine.cri.CriImage;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.engine.cri.ImageInUseException;
import dev.imagespec.reconcile.ByteSizes;
import dev.imagespec.spec.GoDuration;
import dev.imagespec.spec.LabelFilter;
import java.time.Instant;
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
  void validate() {
    for (String f : filters) {
      if (f.startsWith("label!=")) {
        KeyValues.labelFilter("!" + f.substring("label!=".length()));
      } else if (f.startsWith("label=")) {
        KeyValues.labelFilter(f.substring("label=".length()));
      } else if (f.startsWith("until=")) {
        until(f.substring("until=".length()));
      } else {
        throw new CliUsageException("--filter '" + f + "': expected until=, label= or label!=");
      }
    }
  }

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
    return print(images.prune(b.build()));
  }

  /**
   * One image at a time, never one a container (running or not) uses, never a pinned one (the
   * sandbox image): dangling images (no tag), or with {@code -a} every such image.
   */
  @Override
  Integer runCri(CriRuntime runtime) {
    List<LabelFilter> labels = new ArrayList<>();
    Instant until = null;
    for (String f : filters) {
      if (f.startsWith("label!=")) {
        labels.add(KeyValues.labelFilter("!" + f.substring("label!=".length())));
      } else if (f.startsWith("label=")) {
        labels.add(KeyValues.labelFilter(f.substring("label=".length())));
      } else if (f.startsWith("until=")) {
        until = until(f.substring("until=".length()));
      } else {
        throw new CliUsageException("--filter '" + f + "': expected until=, label= or label!=");
      }
    }
    List<CriContainer> containers = runtime.containers();
    List<PruneReport.DeletedItem> deleted = new ArrayList<>();
    long reclaimed = 0;
    for (CriImage i : runtime.list()) {
      if (i.pinned()
          || (!all && !i.repoTags().isEmpty())
          || containers.stream().anyMatch(c -> c.uses(i))) {
        continue;
      }
      if (!labels.stream().allMatch(l -> l.matches(i.labels()))) {
        continue;
      }
      if (until != null && (i.created() == null || !i.created().isBefore(until))) {
        continue;
      }
      try {
        runtime.removeImage(i.id());
      } catch (ImageInUseException e) {
        continue; // a container started meanwhile
      }
      i.repoTags().forEach(t -> deleted.add(new PruneReport.DeletedItem(t, null)));
      deleted.add(new PruneReport.DeletedItem(null, i.id()));
      reclaimed += i.size();
    }
    return print(new PruneReport(deleted, reclaimed));
  }

  private static Instant until(String value) {
    try {
      return Instant.now().minus(GoDuration.parse(value));
    } catch (IllegalArgumentException e) {
      try {
        return Instant.parse(value);
      } catch (java.time.format.DateTimeParseException e2) {
        throw new CliUsageException(
            "--filter until='" + value + "': expected a duration (24h) or an RFC 3339 time");
      }
    }
  }

  private Integer print(PruneReport r) {
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
