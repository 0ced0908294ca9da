package dev.imagespec.cli;

import dev.imagespec.engine.AuthConfig;
import picocli.CommandLine.Option;

/** {@code --creds USER:PASSWORD}, the call's own registry credentials. */
final class CredsOption implements CheckedOptions {
  @Option(
      names = "--creds",
      paramLabel = "USER:PASSWORD",
      description =
          "Registry credentials for this call (else the docker config's for that registry).")
  String creds;

  @Override
  public void check() {
    auth();
  }

  AuthConfig auth() {
    return parse(creds, "--creds");
  }

  /** {@code USER:PASSWORD} given to {@code option}, or null when not given; else exit 2. */
  static AuthConfig parse(String value, String option) {
    if (value == null) {
      return null;
    }
    int colon = value.indexOf(':');
    if (colon <= 0) {
      throw new CliUsageException(option + " must be USER:PASSWORD");
    }
    return AuthConfig.basic(value.substring(0, colon), value.substring(colon + 1));
  }
}
