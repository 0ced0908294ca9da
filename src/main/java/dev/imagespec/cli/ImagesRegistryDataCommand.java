package dev.imagespec.cli;

import dev.imagespec.engine.Images;
import dev.imagespec.engine.RegistryData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code imagespec images registry-data IMAGE [--creds U:P]}. */
@Command(
    name = "registry-data",
    mixinStandardHelpOptions = true,
    description =
        "Show the digest, media type and platforms the registry serves for a reference, without"
            + " pulling (Docker asks the engine; Podman: the registry directly).")
final class ImagesRegistryDataCommand extends RegistrySubcommand {
  @Parameters(paramLabel = "IMAGE", description = "registry/repo[:tag|@digest]")
  void reference(String reference) {
    this.reference = reference;
  }

  @Override
  Integer run(Images images) {
    RegistryData data = images.registryData(reference, creds.auth());
    if (output.json()) {
      output.print(out(), data);
      return ExitCodes.OK;
    }
    Table t = new Table("DIGEST", "MEDIA TYPE", "SIZE", "PLATFORMS");
    t.row(
        data.digest(),
        data.mediaType(),
        data.size(),
        String.join(", ", data.platforms().stream().map(RegistryData.Platform::toString).toList()));
    t.print(out());
    return ExitCodes.OK;
  }
}
