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
          "YAML file or directory (recursive; kustomize directories below it are skipped), or -"
              + " for stdin. Repeatable.")
  List<String> paths;

  /** Loads and validates everything; problems are printed and raised as a usage error. */
  Manifests load(PrintWriter err) {
    return ReconcileSupport.load(paths, err);
  }
}
