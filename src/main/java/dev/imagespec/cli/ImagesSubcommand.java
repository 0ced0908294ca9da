package dev.imagespec.cli;

import dev.imagespec.engine.Images;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.reconcile.CriBackend;
import dev.imagespec.reconcile.EngineBackend;
import dev.imagespec.reconcile.ImageBackend;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;

/**
 * An {@code imagespec images} subcommand: checks its input, connects to the engine or CRI runtime,
 * runs against its images and prints as {@code -o} says. On a CRI runtime a subcommand runs {@link
 * #runCri}; one without a CRI form, or an option CRI cannot honour, exits 2 naming the runtime.
 */
abstract class ImagesSubcommand extends EngineCommand {
  @Mixin OutputOptions output;

  @Override
  public Integer call() {
    validate();
    for (CommandSpec mixin : spec.mixins().values()) {
      if (mixin.userObject() instanceof CheckedOptions options) {
        options.check();
      }
    }
    try (ImageBackend backend = engine.connect()) {
      if (backend instanceof CriBackend cri) {
        return runCri(cri.runtime());
      }
      return run(((EngineBackend) backend).client().images());
    }
  }

  /**
   * Checks the input before any engine is looked for: bad input exits 2 even without one. The
   * {@link CheckedOptions} mixins are checked after it.
   */
  void validate() {}

  abstract Integer run(Images images);

  /** The command on a CRI runtime; by default refused (exit 2) naming the runtime. */
  Integer runCri(CriRuntime runtime) {
    throw new CliUsageException(
        "images "
            + spec.name()
            + " is not available on "
            + runtime.info().describe()
            + ": on a CRI runtime imagespec offers ls, inspect, exists, pull, rm and prune (and tag"
            + " and push on containerd); use it on a Docker or Podman engine (--host, --runtime)");
  }

  /** Refuses an option the CRI runtime cannot honour (exit 2), naming the runtime and option. */
  static void refuseOnCri(boolean given, String option, CriRuntime runtime, String why) {
    if (given) {
      throw new CliUsageException(
          option + " is not supported on " + runtime.info().describe() + ": " + why);
    }
  }
}
