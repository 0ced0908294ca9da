package dev.imagespec.cli;

import dev.imagespec.engine.Image;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.ImportOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imagespec images import FILE|URL|- [--repository R] [--tag T] [--change C]...}. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description =
        "Make an image from a root filesystem tarball: a file, a URL the engine downloads, or '-'"
            + " (stdin). Streamed, never held whole.")
final class ImagesImportCommand extends ImagesSubcommand {
  @Parameters(paramLabel = "SOURCE", description = "FILE, http(s) URL, or - for stdin.")
  String source;

  @Option(
      names = {"-r", "--repository"},
      paramLabel = "REPOSITORY",
      description = "Name the image (default: untagged).")
  String repository;

  @Option(
      names = {"-t", "--tag"},
      paramLabel = "TAG",
      description = "Its tag (default: latest).")
  String tag;

  @Option(
      names = {"-c", "--change"},
      paramLabel = "INSTRUCTION",
      description = "A Dockerfile instruction to apply, e.g. 'CMD [\"/bin/sh\"]' (repeatable).")
  List<String> changes = new ArrayList<>();

  @Option(
      names = {"-m", "--message"},
      paramLabel = "TEXT",
      description = "Commit message.")
  String message;

  @Mixin PlatformOption platform;

  @Override
  void validate() {
    if (tag != null && repository == null) {
      throw new CliUsageException("--tag needs --repository");
    }
    if (repository != null) {
      ImageReference.parse(repository + (tag == null ? "" : ":" + tag));
    }
    if (!isUrl() && !source.equals("-") && !Files.isRegularFile(Path.of(source))) {
      throw new CliUsageException("no such file " + source);
    }
  }

  private boolean isUrl() {
    return source.matches("(?i)https?://.+");
  }

  @Override
  Integer run(Images images) {
    ImportOptions options =
        ImportOptions.builder()
            .repository(repository)
            .tag(tag)
            .changes(changes)
            .message(message)
            .platform(platform.platform)
            .build();
    Image image;
    if (isUrl()) {
      image = images.importImageFromUrl(source, options);
    } else if (source.equals("-")) {
      image = images.importImage(System.in, options);
    } else {
      image = images.importImage(Path.of(source), options);
    }
    if (output.json()) {
      output.print(out(), image.attrs());
    } else {
      out().println(image.id());
      out().flush();
    }
    return ExitCodes.OK;
  }
}
