package dev.imagespec.cli;

import dev.imagespec.reconcile.ActionTimeouts;
import dev.imagespec.spec.GoDuration;
import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --action-timeout}: the deadline of each push, tag and remove of a reconcile pass. */
final class ActionTimeoutOption implements CheckedOptions {
  @Option(
      names = "--action-timeout",
      paramLabel = "DURATION",
      defaultValue = "10m",
      description =
          "Deadline of each push, tag and remove (default ${DEFAULT-VALUE}). At the deadline the"
              + " action is cancelled and reported TimedOut; the next pass tries again.")
  String actionTimeout;

  @Override
  public void check() {
    timeout();
  }

  Duration timeout() {
    Duration d;
    try {
      d = GoDuration.parse(actionTimeout);
    } catch (IllegalArgumentException e) {
      throw new CliUsageException(
          "--action-timeout '" + actionTimeout + "': expected a duration such as 90s, 5m or 1h");
    }
    if (d.isZero() || d.isNegative()) {
      throw new CliUsageException("--action-timeout '" + actionTimeout + "': must be positive");
    }
    return d;
  }

  /**
   * The pass's deadlines: pulls from {@code engine}'s {@code --pull-timeout}, the rest from here.
   */
  ActionTimeouts timeouts(EngineOptions engine) {
    return new ActionTimeouts(engine.pullDeadline(), timeout());
  }
}
