package dev.imagespec.cli;

import dev.imagespec.engine.Images;
import dev.imagespec.engine.cri.CriRuntime;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code imagespec images exists IMAGE}: the answer is the exit code. */
@Command(
    name = "exists",
    mixinStandardHelpOptions = true,
    description = "Exit 0 when the image exists, 1 when it doesn't.")
final class ImagesExistsCommand extends ImagesSubcommand {
  @Mixin ImageArgs.One image;

  @Override
  Integer run(Images images) {
    boolean exists = images.exists(image.name);
    if (output.json()) {
      output.print(out(), Map.of("exists", exists));
    }
    return exists ? ExitCodes.OK : ExitCodes.FAILED;
  }

  @Override
  Integer runCri(CriRuntime runtime) {
    boolean exists = runtime.get(CriImageViews.qualified(image.name)).isPresent();
    if (output.json()) {
      output.print(out(), Map.of("exists", exists));
    }
    return exists ? ExitCodes.OK : ExitCodes.FAILED;
  }
}
