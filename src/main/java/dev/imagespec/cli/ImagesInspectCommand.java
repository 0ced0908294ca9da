package dev.imagespec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagespec.engine.ImageNotFoundException;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.cri.CriRuntime;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code imagespec images inspect IMAGE...}. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "Show an image's details (JSON).")
final class ImagesInspectCommand extends ImagesSubcommand {
  @Mixin ImageArgs.Several images;

  @Override
  Integer run(Images engineImages) {
    List<JsonNode> docs = new ArrayList<>();
    for (String n : images.names) {
      docs.add(engineImages.get(n).attrs());
    }
    output.print(out(), docs);
    return ExitCodes.OK;
  }

  @Override
  Integer runCri(CriRuntime runtime) {
    List<Object> docs = new ArrayList<>();
    for (String n : images.names) {
      docs.add(
          CriImageViews.json(
              runtime
                  .get(CriImageViews.qualified(n))
                  .orElseThrow(() -> new ImageNotFoundException("no such image: " + n))));
    }
    output.print(out(), docs);
    return ExitCodes.OK;
  }
}
