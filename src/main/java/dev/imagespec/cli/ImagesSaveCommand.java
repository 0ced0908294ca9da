package dev.imagespec.cli;

import dev.imagespec.engine.ImageArchive;
import dev.imagespec.engine.SaveOptions;
import dev.imagespec.reconcile.CriBackend;
import dev.imagespec.reconcile.EngineBackend;
import dev.imagespec.reconcile.ErrorMessages;
import dev.imagespec.reconcile.ImageBackend;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code imagespec images save IMAGE... -o FILE}. Here {@code -o} is the output file, as in {@code
 * docker save}, so this command has no {@code -o table|json}.
 */
@Command(
    name = "save",
    mixinStandardHelpOptions = true,
    description = {
      "Save images to a docker-archive tarball (what 'images load' and 'docker load' read).",
      "Names keep their tags; an image ID is saved unnamed. Streamed: never held in memory."
    })
final class ImagesSaveCommand extends EngineCommand {
  @Mixin ImageArgs.Several images;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description =
          "Write to FILE (written beside it, then moved into place). Default: stdout, which must"
              + " not be a terminal.")
  Path file;

  @Override
  public Integer call() {
    images.check();
    List<String> names = images.names;
    if (file == null && System.console() != null) {
      throw new CliUsageException("refusing to write a tarball to a terminal: use -o FILE");
    }
    if (file != null) {
      Path dir = file.toAbsolutePath().getParent();
      if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
        throw new CliUsageException("cannot write " + file + ": no writable directory " + dir);
      }
      if (Files.isDirectory(file)) {
        throw new CliUsageException("cannot write " + file + ": it is a directory");
      }
    }
    try (ImageBackend backend = engine.connect();
        ImageArchive archive = save(backend, names)) {
      long bytes;
      if (file != null) {
        bytes = archive.writeTo(file);
      } else {
        OutputStream stdout = System.out;
        bytes = archive.writeTo(stdout);
        stdout.flush();
      }
      org.slf4j.LoggerFactory.getLogger(ImagesSaveCommand.class)
          .info("saved {} ({} bytes)", names, bytes);
      return ExitCodes.OK;
    } catch (IOException e) {
      err()
          .println(
              "imagespec: cannot write "
                  + (file == null ? "stdout" : file)
                  + ": "
                  + ErrorMessages.of(e));
      return ExitCodes.FAILED;
    }
  }

  private static ImageArchive save(ImageBackend backend, List<String> names) {
    if (backend instanceof CriBackend cri) {
      throw new CliUsageException(
          "images save is not available on "
              + cri.runtime().info().describe()
              + ": the CRI has no image export; use it on a Docker or Podman engine");
    }
    return ((EngineBackend) backend).client().images().save(names, SaveOptions.defaults());
  }
}
