package dev.imagespec.cli;

import dev.imagespec.engine.DockerConfigCredentials;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.SecretCredentialResolver;
import dev.imagespec.spec.ManifestLoader;
import dev.imagespec.spec.ManifestProblem;
import dev.imagespec.spec.Manifests;
import java.io.PrintWriter;
import java.util.List;

/** What {@code apply} and {@code plan} share: reading manifests strictly, wiring the core. */
final class ReconcileSupport {
  private ReconcileSupport() {}

  /**
   * Loads every document under {@code paths}; any problem (YAML, unknown field, bad value, unknown
   * Secret) is printed and raised as a usage error, so nothing is applied. {@code command} ({@code
   * apply}, {@code plan}) is the command the messages' hints name.
   */
  static Manifests load(List<String> paths, String command, PrintWriter err) {
    if (paths == null || paths.isEmpty()) {
      throw new CliUsageException("-f PATH is required (a file, a directory, or - for stdin)");
    }
    Manifests m = new ManifestLoader(System.in, command).load(paths);
    for (String w : m.warnings()) {
      err.println("note: " + w);
    }
    List<ManifestProblem> problems = m.allProblems();
    if (!problems.isEmpty()) {
      for (ManifestProblem p : problems) {
        err.println("error: " + p);
      }
      err.flush();
      throw new CliUsageException(
          problems.size() + " invalid input problem(s); nothing was applied");
    }
    if (m.specs().isEmpty()) {
      throw new CliUsageException("no ImageSpec found in " + String.join(", ", paths));
    }
    return m;
  }

  /** Secrets of the input first, then the docker config of this machine. */
  static CredentialResolver credentials(Manifests m, DockerConfigCredentials docker) {
    CredentialResolver fallback = (namespace, secretNames, domain) -> docker.forRegistry(domain);
    return SecretCredentialResolver.withFallback(m.secrets(), fallback);
  }
}
