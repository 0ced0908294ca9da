package dev.imagespec.cli;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.cri.CriRuntime;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code imagespec images tag SOURCE TARGET}. */
@Command(
    name = "tag",
    mixinStandardHelpOptions = true,
    description = "Give an image another reference.")
final class ImagesTagCommand extends ImagesSubcommand {
  @Parameters(index = "0", paramLabel = "SOURCE")
  String source;

  @Parameters(index = "1", paramLabel = "TARGET", description = "repo[:tag]")
  String target;

  @Override
  void validate() {
    Images.checkName(source);
    if (ImageReference.parse(target).hasDigest()) {
      throw new CliUsageException("tag target '" + target + "': a tag cannot contain a digest");
    }
  }

  @Override
  Integer run(Images images) {
    ImageReference ref = ImageReference.parse(target).withDefaultTag();
    images.tag(source, ref.familiarRepository(), ref.tag().orElseThrow(), false);
    if (output.json()) {
      output.print(out(), Map.of("tagged", ref.familiar()));
    }
    return ExitCodes.OK;
  }

  @Override
  Integer runCri(CriRuntime runtime) {
    ImageReference ref = ImageReference.parse(target).withDefaultTag();
    runtime.tag(CriImageViews.qualified(source), ref.canonical());
    if (output.json()) {
      output.print(out(), Map.of("tagged", ref.canonical()));
    }
    return ExitCodes.OK;
  }
}
