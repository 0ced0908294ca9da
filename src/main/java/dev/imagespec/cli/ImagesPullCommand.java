package dev.imagespec.cli;

import dev.imagespec.engine.Deadline;
import dev.imagespec.engine.Image;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.PullOptions;
import dev.imagespec.engine.cri.CriImage;
import dev.imagespec.engine.cri.CriRuntime;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imagespec images pull IMAGE}. */
@Command(
    name = "pull",
    mixinStandardHelpOptions = true,
    description = {
      "Pull an image (by tag or digest) from its registry.",
      "Prints the name pulled (with --all-tags, the repository's names) and the image ID;"
          + " -o json prints the pulled images whole."
    })
final class ImagesPullCommand extends RegistrySubcommand {
  @Parameters(paramLabel = "IMAGE", description = "[registry/]repo[:tag|@digest]")
  void reference(String reference) {
    this.reference = reference;
  }

  @Option(
      names = {"-a", "--all-tags"},
      description = "Pull every tag of the repository.")
  boolean allTags;

  @Mixin PlatformOption platform;

  @Option(
      names = "--tls-verify",
      arity = "1",
      paramLabel = "BOOL",
      description =
          "Podman only: require HTTPS and verify certificates (default: engine's config).")
  Boolean tlsVerify;

  @Mixin ProgressOption progress;

  @Override
  Integer run(Images images) {
    PullOptions options =
        PullOptions.builder()
            .allTags(allTags)
            .platform(platform.platform)
            .auth(creds.auth())
            .tlsVerify(tlsVerify)
            .build();
    List<Image> pulled;
    try (ProgressPrinter printer = progress.printer("pull " + reference, output)) {
      pulled =
          Deadline.within(
              engine.timeout(),
              () ->
                  allTags
                      ? images.pullAllTags(reference, options, printer)
                      : List.of(images.pull(reference, options, printer)));
    }
    if (output.json()) {
      output.print(out(), pulled.stream().map(Image::attrs).toList());
    } else {
      for (Image i : pulled) {
        out().println("Pulled " + String.join(", ", pulledNames(i.tags())) + " " + i.id());
      }
      out().flush();
    }
    return ExitCodes.OK;
  }

  /**
   * The names this pull brought, not every name the image carries: the reference (with {@code
   * :latest} added), or with {@code --all-tags} the image's names in the pulled repository.
   */
  private List<String> pulledNames(List<String> imageTags) {
    ImageReference ref = ImageReference.parse(reference);
    if (!allTags) {
      return List.of(ref.withDefaultTag().familiar());
    }
    return imageTags.stream()
        .map(ImageReference::parse)
        .filter(t -> t.repository().equals(ref.repository()))
        .map(ImageReference::familiar)
        .toList();
  }

  @Override
  Integer runCri(CriRuntime runtime) {
    refuseOnCri(allTags, "--all-tags", runtime, "CRI pulls one reference at a time");
    refuseOnCri(
        platform.platform != null, "--platform", runtime, "CRI pulls the node's own platform");
    refuseOnCri(
        tlsVerify != null,
        "--tls-verify",
        runtime,
        "the runtime's registry configuration decides (containerd: config_path hosts.toml)");
    CriImage pulled =
        runtime.pull(
            CriImageViews.qualified(reference),
            CriImageViews.auth(creds, engine.credentials(), reference));
    if (output.json()) {
      output.print(out(), List.of(CriImageViews.json(pulled)));
    } else {
      out()
          .println(
              // the name pulled, fully qualified as CRI names are shown
              "Pulled " + CriImageViews.qualified(reference) + " " + pulled.id());
      out().flush();
    }
    return ExitCodes.OK;
  }
}
