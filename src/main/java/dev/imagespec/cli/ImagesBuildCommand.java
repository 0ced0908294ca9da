package dev.imagespec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagespec.engine.BuildContext;
import dev.imagespec.engine.BuildOptions;
import dev.imagespec.engine.BuildResult;
import dev.imagespec.engine.BuildSecret;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.ProgressEvent;
import dev.imagespec.engine.UnsupportedBuildOptionException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imagespec images build CONTEXT}. */
@Command(
    name = "build",
    mixinStandardHelpOptions = true,
    description = {
      "Build an image from a context directory (honouring its .dockerignore), stdin (-: a context"
          + " tar, plain or gzip/bzip2/xz, zstd on Podman, or a lone Dockerfile, as docker build"
          + " -), or a URL the"
          + " engine fetches (http(s) tarball or Dockerfile, git repository).",
      "The build's output goes to stdout as it comes; the last line names the image and the"
          + " names this build gave it (-t).",
      "Podman builds use the build cache (--layers, --format oci) unless told otherwise;"
          + " --no-layers, --format, --manifest and --secret are Podman options: the Docker engine"
          + " refuses them (exit 1). Docker's builder always caches layers: --layers is accepted"
          + " there and changes nothing."
    })
final class ImagesBuildCommand extends ImagesSubcommand {
  @Parameters(
      paramLabel = "CONTEXT",
      description = "Directory, '-' (stdin: a context tar or a Dockerfile) or URL.")
  String context;

  @Option(
      names = {"-t", "--tag"},
      paramLabel = "NAME[:TAG]",
      description = "Name the image (repeatable).")
  List<String> tags = new ArrayList<>();

  @Option(
      names = {"-f", "--file"},
      paramLabel = "PATH",
      description = "The Dockerfile (default: CONTEXT/Dockerfile; may lie outside a directory).")
  String file;

  @Option(names = "--build-arg", paramLabel = "KEY=VALUE", description = "Build argument.")
  List<String> buildArgs = new ArrayList<>();

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Label for the image.")
  List<String> labels = new ArrayList<>();

  @Option(names = "--no-cache", description = "Do not use the build cache.")
  boolean noCache;

  @Option(names = "--pull", description = "Always pull the FROM images.")
  boolean pull;

  @Option(names = "--target", paramLabel = "STAGE", description = "Build up to this stage.")
  String target;

  @Mixin PlatformOption platform;

  @Option(
      names = "--network",
      paramLabel = "MODE",
      description = "Network of the RUN steps (e.g. none, host).")
  String network;

  @Option(
      names = "--layers",
      negatable = true,
      description =
          "Podman: cache intermediate layers, so a second build of the same context reuses them"
              + " (default: --layers). Docker always does: --layers is a no-op there,"
              + " --no-layers is refused.")
  Boolean layers;

  @Option(
      names = "--format",
      paramLabel = "oci|docker",
      description = "Podman: the image's manifest format (default: oci).")
  String format;

  @Option(
      names = "--manifest",
      paramLabel = "LIST",
      description = "Podman: add the image to this manifest list, created if missing.")
  String manifest;

  @Option(
      names = "--secret",
      paramLabel = "id=ID,src=FILE",
      description =
          "Podman: a build secret for RUN --mount=type=secret,id=ID (repeatable; everything after"
              + " src= is the path, commas included); never stored in"
              + " the image or its history, never printed. Needs a context directory or a"
              + " Dockerfile on stdin. Docker's classic builder has none.")
  List<String> secrets = new ArrayList<>();

  @Option(
      names = {"-q", "--quiet"},
      description = "Print only the image ID.")
  boolean quiet;

  private BuildContext buildContext;

  @Override
  void validate() {
    // Everything that can be checked is, before any engine call.
    options();
    buildContext();
  }

  private BuildOptions options() {
    BuildOptions.Builder b =
        BuildOptions.builder()
            .dockerfile(file)
            .quiet(quiet)
            .nocache(noCache)
            .pull(pull)
            .target(target)
            .platform(platform.platform)
            .networkMode(network)
            .buildargs(KeyValues.parse(buildArgs, "--build-arg"))
            .labels(KeyValues.parse(labels, "--label"))
            .manifest(manifest)
            .outputFormat(outputFormat());
    if (layers != null) {
      b.layers(layers);
    }
    secrets.forEach(s -> b.secret(secret(s)));
    for (String t : tags) {
      ImageReference.parse(t);
      b.tag(t);
    }
    return b.build();
  }

  private String outputFormat() {
    if (format == null) {
      return null;
    }
    return switch (format.toLowerCase(java.util.Locale.ROOT)) {
      case "oci" -> BuildOptions.OCI_FORMAT;
      case "docker" -> BuildOptions.DOCKER_FORMAT;
      default -> throw new CliUsageException("--format '" + format + "': expected oci or docker");
    };
  }

  /**
   * {@code id=ID,src=FILE} ({@code source=} too, as docker build's {@code --secret}). Everything
   * after {@code src=} is the path, commas included; {@code src=FILE,id=ID} works as long as the
   * path does not end in {@code ,id=...}.
   */
  static BuildSecret secret(String value) {
    String usage = "--secret '" + value + "': expected id=ID,src=FILE";
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?:^|,)(?:src|source)=").matcher(value);
    if (!m.find()) {
      throw new CliUsageException(usage);
    }
    String src = value.substring(m.end());
    String rest = value.substring(0, m.start());
    if (rest.isEmpty()) {
      java.util.regex.Matcher idAfter =
          java.util.regex.Pattern.compile(",id=([^,]*)$").matcher(src);
      if (idAfter.find()) {
        rest = "id=" + idAfter.group(1);
        src = src.substring(0, idAfter.start());
      }
    }
    String id = null;
    for (String part : rest.split(",")) {
      if (part.indexOf('=') <= 0) {
        throw new CliUsageException(usage);
      }
      Map.Entry<String, String> e = KeyValues.entry(part, "--secret");
      if (!e.getKey().equals("id")) {
        throw new CliUsageException(
            "--secret '"
                + value
                + "': unknown key '"
                + e.getKey()
                + "'; expected id=ID,src=FILE (the path after src= may hold commas)");
      }
      id = e.getValue();
    }
    if (id == null) {
      throw new CliUsageException(usage);
    }
    if (src.isEmpty()) {
      throw new CliUsageException("--secret '" + value + "': src is empty; give a readable file");
    }
    Path file = Path.of(src);
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new CliUsageException(
          "--secret '"
              + value
              + "': "
              + src
              + (Files.exists(file) ? " is not a readable file" : " does not exist")
              + "; give a readable file");
    }
    try {
      return new BuildSecret(id, file);
    } catch (dev.imagespec.engine.InvalidArgumentException e) {
      throw new CliUsageException("--secret '" + value + "': " + e.getMessage());
    }
  }

  /** The context, made once: stdin is read here (a Dockerfile whole, a tar's first block). */
  private BuildContext buildContext() {
    if (buildContext == null) {
      buildContext = newBuildContext();
    }
    return buildContext;
  }

  private BuildContext newBuildContext() {
    if (context.equals("-")) {
      return BuildContext.tarOrDockerfile(System.in);
    }
    if (context.matches("(?i)(https?|git)://.*") || context.startsWith("git@")) {
      return BuildContext.remote(context);
    }
    Path dir = Path.of(context);
    if (!Files.isDirectory(dir)) {
      throw new CliUsageException("build context '" + context + "' is not a directory");
    }
    return BuildContext.directory(dir);
  }

  @Override
  Integer run(Images images) {
    PrintWriter out = out();
    boolean live = !quiet && !output.json();
    BuildResult result;
    try {
      result = images.build(buildContext(), options(), live ? e -> print(out, e) : null);
    } catch (UnsupportedBuildOptionException e) {
      throw new UnsupportedOperationException(
          flag(e.option()) + " " + e.reason() + "; drop it, or point --host at a Podman engine", e);
    }
    if (output.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      JsonNode attrs = result.image().attrs();
      m.put("Id", result.image().id());
      m.put("RepoTags", result.image().tags());
      m.put("Labels", result.image().labels());
      m.put("Log", result.log());
      m.put("Image", attrs);
      output.print(out, m);
    } else if (quiet) {
      out.println(result.image().id());
    } else {
      // the names this build gave, not every name the image (maybe from the cache) carries
      List<String> named =
          tags.stream().map(t -> ImageReference.parse(t).withDefaultTag().familiar()).toList();
      out.println(
          "Built " + result.image().id() + (named.isEmpty() ? "" : " " + String.join(", ", named)));
    }
    out.flush();
    return ExitCodes.OK;
  }

  /** A build option as the user gave it on the command line. */
  private String flag(String option) {
    return switch (option) {
      case "layers" -> Boolean.FALSE.equals(layers) ? "--no-layers" : "--layers";
      case "outputFormat" -> "--format " + format;
      case "manifest" -> "--manifest " + manifest;
      case "secrets" ->
          String.join(" ", secrets.stream().map(s -> "--secret id=" + secret(s).id()).toList());
      default -> "build option '" + option + "'";
    };
  }

  private static void print(PrintWriter out, ProgressEvent e) {
    if (e.stream() != null) {
      out.print(e.stream());
    } else if (e.status() != null) {
      out.println(e.describe());
    } else {
      return;
    }
    out.flush();
  }
}
