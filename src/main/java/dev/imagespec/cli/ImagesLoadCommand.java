package dev.imagespec.cli;

import dev.imagespec.engine.Image;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.LoadResult;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code imagespec images load [-i FILE]}. */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description = {
      "Load images from a docker-archive (or OCI) tarball; streamed, never held whole.",
      "Prints the names the archive held (Loaded image: NAME), or the ID of an image it held"
          + " without a name; -o json prints the loaded images whole."
    })
final class ImagesLoadCommand extends ImagesSubcommand {
  @Option(
      names = {"-i", "--input"},
      paramLabel = "FILE",
      description = "Read from FILE (default: stdin).")
  Path input;

  @Override
  void validate() {
    if (input != null && !Files.isRegularFile(input)) {
      throw new CliUsageException("no such file " + input);
    }
  }

  @Override
  Integer run(Images images) {
    LoadResult loaded =
        input != null ? images.loadReporting(input) : images.loadReporting(System.in, null);
    if (output.json()) {
      output.print(out(), loaded.images().stream().map(Image::attrs).toList());
    } else {
      // the names in the archive, not every name the loaded images carry
      for (String name : loaded.names()) {
        out()
            .println(
                (ImageReference.looksLikeId(name) ? "Loaded image ID: " : "Loaded image: ") + name);
      }
      out().flush();
    }
    return ExitCodes.OK;
  }
}
