package dev.imagespec.reconcile;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.EngineException;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.RegistryCredentials;
import dev.imagespec.engine.RuntimeKind;
import dev.imagespec.engine.RuntimeProbe;
import dev.imagespec.engine.cri.CriRuntime;
import java.time.Duration;
import java.util.Map;

/** Connects to the image store the options name, through the API it speaks. */
public final class ImageBackends {
  /** Deadline of one CRI pull unless {@code --pull-timeout} says otherwise. */
  public static final Duration DEFAULT_PULL_TIMEOUT = Duration.ofMinutes(15);

  private ImageBackends() {}

  /**
   * What to connect to.
   *
   * @param host {@code --host}, or null for the environment and the default sockets
   * @param runtime {@code --runtime}
   * @param env the environment ({@code DOCKER_HOST}, {@code CONTAINER_HOST}, TLS settings)
   * @param credentials the machine's registry credentials (Docker Engine API stores; CRI pulls take
   *     the spec's credentials only)
   * @param pullTimeout deadline of one CRI pull, null for {@link #DEFAULT_PULL_TIMEOUT}
   */
  public record Options(
      String host,
      RuntimeKind runtime,
      Map<String, String> env,
      RegistryCredentials credentials,
      Duration pullTimeout) {
    public Options {
      runtime = runtime == null ? RuntimeKind.AUTO : runtime;
      env = env == null ? System.getenv() : env;
      credentials = credentials == null ? RegistryCredentials.none() : credentials;
      pullTimeout = pullTimeout == null ? DEFAULT_PULL_TIMEOUT : pullTimeout;
    }
  }

  /**
   * Finds the store ({@link RuntimeProbe}) and connects. With {@code --runtime docker} or {@code
   * podman} the engine must be that one.
   *
   * @throws dev.imagespec.engine.EngineUnavailableException no store found or it does not answer
   * @throws EngineException it answers neither API, or is not the engine {@code --runtime} names
   */
  public static ImageBackend connect(Options o) {
    RuntimeProbe.Found found = RuntimeProbe.find(o.host(), o.runtime(), o.env());
    if (found.kind() == RuntimeKind.CRI) {
      // one registry client (one connection pool) for the runtime's pushes and the port's lookups
      RegistryClient registry = RegistryClient.builder().build();
      return new CriBackend(CriRuntime.connect(found.host(), o.pullTimeout(), registry), registry);
    }
    EngineClient client =
        EngineClient.builder()
            .host(found.host())
            .environment(o.env())
            .credentials(o.credentials())
            .build();
    if (o.runtime() == RuntimeKind.DOCKER || o.runtime() == RuntimeKind.PODMAN) {
      String actual;
      try {
        actual = client.info().engineName();
      } catch (RuntimeException e) {
        client.close();
        throw e;
      }
      if (!actual.equals(o.runtime().option())) {
        client.close();
        throw new EngineException(
            found.host()
                + " is "
                + actual
                + ", not "
                + o.runtime().option()
                + ": point --host at "
                + o.runtime().option()
                + "'s socket or use --runtime "
                + actual
                + " (or auto)");
      }
    }
    return new EngineBackend(client);
  }
}
