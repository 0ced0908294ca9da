package dev.imagespec.cli;

import dev.imagespec.engine.Images;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imagespec images scp SOURCE [DESTINATION]}: podman-py's {@code scp}. */
@Command(
    name = "scp",
    mixinStandardHelpOptions = true,
    description = {
      "Copy an image to another Podman host or user over SSH (Podman 4 only; libpod"
          + " /images/scp, as podman image scp). The Podman service itself connects to the"
          + " destination.",
      "Prints what the engine answers (the loaded image). An unreachable destination exits 1"
          + " with the engine's message; the Docker engine has no scp (exit 1)."
    })
final class ImagesScpCommand extends ImagesSubcommand {
  @Parameters(index = "0", paramLabel = "SOURCE", description = "The local image to copy.")
  String source;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "DESTINATION",
      description =
          "Where to: USER@HOST:PORT::[IMAGE] (the port is required by Podman 4.3) or a"
              + " connection name of the engine's (podman system connection), then ::[IMAGE].")
  String destination;

  @Option(
      names = {"-q", "--quiet"},
      description = "The engine prints only the image, not its save/load output.")
  boolean quiet;

  @Override
  void validate() {
    Images.checkName(source);
  }

  @Override
  Integer run(Images images) {
    String answer = images.scp(source, destination, quiet);
    if (output.json()) {
      output.print(out(), Map.of("Id", answer));
    } else {
      out().println(answer);
      out().flush();
    }
    return ExitCodes.OK;
  }
}
