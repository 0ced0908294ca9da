package dev.imagespec.cli;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.CopyOptions;
import dev.imagespec.engine.CopyResult;
import dev.imagespec.engine.DockerConfigCredentials;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.RegistryCopy;
import dev.imagespec.reconcile.ByteSizes;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code imagespec images copy SRC DST}: registry to registry with {@link RegistryCopy}, no engine
 * (so not an {@link ImagesSubcommand}: it never looks for one).
 */
@Command(
    name = "copy",
    mixinStandardHelpOptions = true,
    description = {
      "Copy an image from one registry to another, registry to registry (no engine), keeping its"
          + " digest: every platform of an index, or one with --platform. Blobs are mounted"
          + " within a registry, else streamed; nothing is copied when DST already serves the"
          + " digest.",
      "Credentials: --src-creds / --dest-creds, else the docker config's for each registry."
    })
final class ImagesCopyCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;
  @Mixin OutputOptions output;

  @Parameters(index = "0", paramLabel = "SRC", description = "registry/repo[:tag|@digest]")
  String source;

  @Parameters(index = "1", paramLabel = "DST", description = "registry/repo[:tag]")
  String target;

  @Option(
      names = "--src-creds",
      paramLabel = "USER:PASSWORD",
      description = "Credentials for SRC's registry (else the docker config's).")
  String sourceCreds;

  @Option(
      names = "--dest-creds",
      paramLabel = "USER:PASSWORD",
      description = "Credentials for DST's registry (else the docker config's).")
  String targetCreds;

  @Option(
      names = "--all-platforms",
      description = "Copy an index whole, every platform (the default).")
  boolean allPlatforms;

  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      description = "Copy only this platform's manifest of an index, under DST's tag.")
  String platform;

  @Option(
      names = "--src-tls-verify",
      arity = "1",
      paramLabel = "BOOL",
      defaultValue = "true",
      description =
          "false: reach SRC's registry over plain HTTP or unverified HTTPS (loopback always).")
  boolean sourceTlsVerify;

  @Option(
      names = "--dest-tls-verify",
      arity = "1",
      paramLabel = "BOOL",
      defaultValue = "true",
      description =
          "false: reach DST's registry over plain HTTP or unverified HTTPS (loopback always).")
  boolean targetTlsVerify;

  @Override
  public Integer call() {
    ImageReference src = ImageReference.parse(source);
    ImageReference dst = ImageReference.parse(target);
    if (allPlatforms && platform != null) {
      throw new CliUsageException("--all-platforms and --platform exclude each other: give one");
    }
    AuthConfig srcAuth = CredsOption.parse(sourceCreds, "--src-creds");
    AuthConfig dstAuth = CredsOption.parse(targetCreds, "--dest-creds");
    CopyOptions options = CopyOptions.defaults().withPlatform(platform);
    if (srcAuth == null || dstAuth == null) {
      DockerConfigCredentials config = DockerConfigCredentials.fromEnvironment(System.getenv());
      if (srcAuth == null) {
        srcAuth = config.forImage(src).orElse(null);
      }
      if (dstAuth == null) {
        dstAuth = config.forImage(dst).orElse(null);
      }
    }
    RegistryClient.Builder client = RegistryClient.builder();
    if (!sourceTlsVerify) {
      client.insecureRegistry(src.domain());
    }
    if (!targetTlsVerify) {
      client.insecureRegistry(dst.domain());
    }
    CopyResult result =
        new RegistryCopy(client.build())
            .copy(src, dst, options.withSourceAuth(srcAuth).withTargetAuth(dstAuth));
    if (output.json()) {
      output.print(spec.commandLine().getOut(), result);
      return ExitCodes.OK;
    }
    spec.commandLine().getOut().println(describe(result));
    return ExitCodes.OK;
  }

  static String describe(CopyResult r) {
    if (r.skipped()) {
      return r.target() + " already holds " + r.digest() + " (nothing copied)";
    }
    return "Copied "
        + r.source()
        + " → "
        + r.target()
        + " "
        + r.digest()
        + " ("
        + r.manifests()
        + (r.manifests() == 1 ? " manifest" : " manifests")
        + "; blobs: "
        + r.blobsCopied()
        + " copied ("
        + ByteSizes.format(r.bytesUploaded())
        + "), "
        + r.blobsMounted()
        + " mounted, "
        + r.blobsSkipped()
        + " already there)";
  }
}
