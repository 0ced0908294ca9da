package dev.imagespec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagespec.engine.BuildContext;
import dev.imagespec.engine.BuildOptions;
import dev.imagespec.engine.BuildResult;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.ProgressEvent;
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
      "Build an image from a context directory (honouring its .dockerignore), a tar on stdin (-),"
          + " or a URL the engine fetches (http(s) tarball or Dockerfile, git repository).",
      "The build's output goes to stdout as it comes; the last line names the image."
    })
final class ImagesBuildCommand extends ImagesSubcommand {
  @Parameters(paramLabel = "CONTEXT", description = "Directory, '-' (tar on stdin) or URL.")
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
      names = {"-q", "--quiet"},
      description = "Print only the image ID.")
  boolean quiet;

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
            .labels(KeyValues.parse(labels, "--label"));
    for (String t : tags) {
      ImageReference.parse(t);
      b.tag(t);
    }
    return b.build();
  }

  private BuildContext buildContext() {
    if (context.equals("-")) {
      return BuildContext.tar(System.in);
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
    BuildResult result =
        images.build(
            buildContext(),
            options(),
            live
                ? e -> {
                  print(out, e);
                }
                : null);
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
      out.println(
          "Built "
              + result.image().id()
              + (result.image().tags().isEmpty()
                  ? ""
                  : " " + String.join(", ", result.image().tags())));
    }
    out.flush();
    return ExitCodes.OK;
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
