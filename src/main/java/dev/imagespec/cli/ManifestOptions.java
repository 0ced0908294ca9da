package dev.imagespec.cli;

import dev.imagespec.spec.Manifests;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code -f PATH...}: where {@code apply} and {@code plan} read their manifests from. */
final class ManifestOptions {
  @Option(
      names = {"-f", "--filename"},
      paramLabel = "PATH",
      required = true,
      description =
          "YAML file or directory (recursive; kustomize directories below it are skipped, one"
              + " named is refused: render it with kubectl kustomize), or - for stdin. Repeatable.")
  List<String> paths;

  /**
   * Loads and validates everything for {@code command} ({@code apply}, {@code plan}: named in the
   * hints); problems are printed and raised as a usage error.
   */
  Manifests load(String command, PrintWriter err) {
    return ReconcileSupport.load(paths, command, err);
  }
}
