package dev.imagespec.engine;

/**
 * A build option the engine has no equivalent for (a Podman option on Docker). {@link #option()}
 * names it as {@link BuildOptions} does, so a caller can name it as its user wrote it; {@link
 * #reason()} says why it is refused.
 */
public final class UnsupportedBuildOptionException extends UnsupportedOperationException {
  private final String option;
  private final String reason;

  UnsupportedBuildOptionException(String option, String reason) {
    super("build option '" + option + "' " + reason + "; drop it, or build on a Podman engine");
    this.option = option;
    this.reason = reason;
  }

  /**
   * The option as {@link BuildOptions} names it: layers, output, outputFormat, manifest, secrets.
   */
  public String option() {
    return option;
  }

  /** Why the engine refuses it, naming the engine, e.g. "is a Podman option; the docker ...". */
  public String reason() {
    return reason;
  }
}
