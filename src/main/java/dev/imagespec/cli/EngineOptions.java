package dev.imagespec.cli;

import dev.imagespec.engine.DockerConfigCredentials;
import dev.imagespec.engine.EngineClient;
import picocli.CommandLine.Option;

/** Options shared by every command that talks to an engine. */
final class EngineOptions {
  @Option(
      names = {"-H", "--host"},
      paramLabel = "URL",
      description =
          "Engine endpoint: unix:///path/docker.sock, tcp://host:2375, https://host:2376"
              + " (default: DOCKER_HOST, CONTAINER_HOST, then the default sockets).")
  String host;

  private DockerConfigCredentials credentials;

  /** This machine's docker config credentials, read once per command. */
  DockerConfigCredentials credentials() {
    if (credentials == null) {
      credentials = DockerConfigCredentials.fromEnvironment(System.getenv());
    }
    return credentials;
  }

  EngineClient connect() {
    return EngineClient.builder().host(host).credentials(credentials()).build();
  }
}
