package dev.imagespec.cli;

import dev.imagespec.engine.ApiException;
import dev.imagespec.engine.EngineException;
import dev.imagespec.engine.ImageNotFoundException;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.RemoveReport;
import dev.imagespec.engine.cri.CriImage;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.reconcile.CriImagePort;
import dev.imagespec.reconcile.ErrorMessages;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
    return print(reports);
  }

  /**
   * A name removes that name (the image goes with its last one); an ID removes the image with all
   * its names. Never forced: an image a container uses stays.
   */
  @Override
  Integer runCri(CriRuntime runtime) {
    refuseOnCri(
        force,
        "--force",
        runtime,
        "images that containers use are never removed; remove the pods first");
    refuseOnCri(noprune, "--no-prune", runtime, "CRI images have no parent images");
    List<RemoveReport> reports = new ArrayList<>();
    for (String n : images.names) {
      String name = CriImageViews.qualified(n);
      try {
        Optional<CriImage> img = runtime.get(name);
        if (img.isEmpty()) {
          throw new ImageNotFoundException("no such image: " + n);
        }
        CriImage i = img.get();
        boolean byId = ImageReference.looksLikeId(n);
        int names = i.repoTags().size() + i.repoDigests().size();
        // the last tag takes the image with it (digest names too), as on Docker
        boolean lastTag = !byId && CriImagePort.isLastTag(i, name);
        if (byId || lastTag) {
          runtime.removeImage(i.id());
        } else {
          runtime.untag(name);
        }
        reports.add(
            byId || names <= 1 || lastTag
                ? new RemoveReport(
                    List.of(i.id()), byId ? i.repoTags() : List.of(name), List.of(), 0)
                : new RemoveReport(List.of(), List.of(name), List.of(), 0));
      } catch (EngineException e) {
        reports.add(
            new RemoveReport(List.of(), List.of(), List.of(n + ": " + ErrorMessages.of(e)), 1));
      }
    }
    return print(reports);
  }

  /** What was removed goes to stdout (-o json: the reports, errors included); errors to stderr. */
  private Integer print(List<RemoveReport> reports) {
    if (output.json()) {
      output.print(out(), reports);
    } else {
      for (RemoveReport r : reports) {
        r.untagged().forEach(u -> out().println("Untagged: " + u));
        r.deleted().forEach(d -> out().println("Deleted: " + d));
      }
      out().flush();
    }
    reports.forEach(r -> r.errors().forEach(e -> err().println("imagespec: " + e)));
    err().flush();
    return reports.stream().anyMatch(r -> !r.errors().isEmpty()) ? ExitCodes.FAILED : ExitCodes.OK;
  }
}
