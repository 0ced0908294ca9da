package dev.imagespec.cli;

import dev.imagespec.engine.Image;
import dev.imagespec.engine.Images;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code imagespec images load [-i FILE]}. */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description = "Load images from a docker-archive (or OCI) tarball; streamed, never held whole.")
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
    List<Image> loaded = input != null ? images.load(input) : images.load(System.in);
    if (output.json()) {
      output.print(out(), loaded.stream().map(Image::attrs).toList());
    } else {
      for (Image i : loaded) {
        if (i.tags().isEmpty()) {
          out().println("Loaded image ID: " + i.id());
        } else {
          i.tags().forEach(t -> out().println("Loaded image: " + t));
        }
      }
      out().flush();
    }
    return ExitCodes.OK;
  }
}
