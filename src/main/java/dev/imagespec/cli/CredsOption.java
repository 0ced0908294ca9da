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
    if (creds == null) {
      return null;
    }
    int colon = creds.indexOf(':');
    if (colon <= 0) {
      throw new CliUsageException("--creds must be USER:PASSWORD");
    }
    return AuthConfig.basic(creds.substring(0, colon), creds.substring(colon + 1));
  }
}
