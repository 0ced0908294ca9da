package dev.imagespec.cli;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.cri.CriRuntime;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imagespec images push IMAGE}. */
@Command(
    name = "push",
    mixinStandardHelpOptions = true,
    description = "Push an image to its registry.")
final class ImagesPushCommand extends RegistrySubcommand {
  @Parameters(paramLabel = "IMAGE", description = "registry/repo[:tag]")
  void reference(String reference) {
    this.reference = reference;
  }

  @Option(
      names = "--destination",
      paramLabel = "IMAGE",
      description = "Podman only: push to this reference instead, without tagging.")
  String destination;

  @Option(names = "--tls-verify", arity = "1", paramLabel = "BOOL", description = "Podman only.")
  Boolean tlsVerify;

  @Mixin ProgressOption progress;

  @Override
  void validate() {
    super.validate();
    if (destination != null) {
      ImageReference.parse(destination);
    }
  }

  @Override
  Integer run(Images images) {
    PushOptions options =
        PushOptions.builder()
            .auth(creds.auth())
            .destination(destination)
            .tlsVerify(tlsVerify)
            .build();
    Images.PushResult result;
    try (ProgressPrinter printer = progress.printer("push " + reference, output)) {
      result = images.push(reference, options, printer);
    }
    if (output.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("reference", result.reference());
      m.put("digest", result.digest());
      output.print(out(), m);
    } else {
      out()
          .println(
              "Pushed "
                  + result.reference()
                  + (result.digest() == null ? "" : " " + result.digest()));
      out().flush();
    }
    return ExitCodes.OK;
  }

  @Override
  Integer runCri(CriRuntime runtime) {
    refuseOnCri(
        destination != null,
        "--destination",
        runtime,
        "tag the image as the destination first (images tag), then push that name");
    refuseOnCri(
        tlsVerify != null,
        "--tls-verify",
        runtime,
        "imagespec pushes from the runtime's content store itself: loopback registries are"
            + " reached over HTTP, others over verified HTTPS");
    String ref = CriImageViews.qualified(reference);
    String digest = runtime.push(ref, CriImageViews.auth(creds, engine.credentials(), reference));
    if (output.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("reference", ref);
      m.put("digest", digest);
      output.print(out(), m);
    } else {
      out().println("Pushed " + ref + (digest == null ? "" : " " + digest));
      out().flush();
    }
    return ExitCodes.OK;
  }
}
