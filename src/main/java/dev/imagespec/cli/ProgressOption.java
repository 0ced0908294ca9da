package dev.imagespec.cli;

import picocli.CommandLine.Option;

/** {@code -q}: no progress output for a pull or push. */
final class ProgressOption {
  @Option(
      names = {"-q", "--quiet"},
      description = "No progress output.")
  boolean quiet;

  /** A progress printer for {@code what}: silent with {@code -q} or machine-readable output. */
  ProgressPrinter printer(String what, OutputOptions output) {
    return new ProgressPrinter(what, !quiet && !output.json());
  }
}
