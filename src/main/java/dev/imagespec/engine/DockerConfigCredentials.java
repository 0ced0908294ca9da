package dev.imagespec.engine;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registry credentials from the Docker client configuration ({@code $DOCKER_CONFIG/config.json},
 * else {@code ~/.docker/config.json}), looked up as the docker CLI does:
 *
 * <ol>
 *   <li>{@code credHelpers[registry]}: runs {@code docker-credential-<helper> get};
 *   <li>an {@code auths} entry holding credentials ({@code auth} = base64 {@code user:password}, or
 *       {@code username}/{@code password}, {@code identitytoken}, {@code registrytoken}); keys
 *       match by host, so {@code host}, {@code https://host}, {@code http://host} and {@code
 *       https://host/v1/} are all found; for Docker Hub also {@code https://index.docker.io/v1/}
 *       and every {@linkplain RegistryNames#DOCKER_HUB_ALIASES alias}; entries are decoded by
 *       {@link DockerConfigAuths};
 *   <li>{@code credsStore}: runs {@code docker-credential-<store> get}.
 * </ol>
 *
 * A missing file means no credentials. A helper that is not installed, or that answers "credentials
 * not found", means no credentials; any other helper failure, or an unreadable config, is an {@link
 * EngineException} whose message never contains a secret.
 *
 * <p>Credential helpers are run by {@link CredentialHelpers}. The file is read on every lookup, so
 * {@code docker login} takes effect without a restart. Returned credentials carry the server
 * address Docker uses: {@code https://index.docker.io/v1/} for Docker Hub, the registry's {@code
 * host[:port]} otherwise.
 */
public final class DockerConfigCredentials implements RegistryCredentials {
  private static final Logger LOG = LoggerFactory.getLogger(DockerConfigCredentials.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The server address Docker uses for Docker Hub credentials. */
  public static final String DOCKER_HUB_SERVER = RegistryNames.DOCKER_HUB_SERVER;

  private static final Duration DEFAULT_HELPER_TIMEOUT = Duration.ofSeconds(30);

  private final Path configFile;
  private final CredentialHelpers helpers;

  private DockerConfigCredentials(Path configFile, CredentialHelpers helpers) {
    this.configFile = Objects.requireNonNull(configFile, "configFile");
    this.helpers = helpers;
  }

  /** From this process's environment ({@code DOCKER_CONFIG}, {@code HOME}, {@code PATH}). */
  public static DockerConfigCredentials fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /**
   * From an environment map: {@code $DOCKER_CONFIG/config.json} when {@code DOCKER_CONFIG} is set,
   * else {@code $HOME/.docker/config.json} ({@code user.home} when {@code HOME} is unset); helpers
   * are looked for on {@code PATH}.
   */
  public static DockerConfigCredentials fromEnvironment(Map<String, String> env) {
    String dockerConfig = env.get("DOCKER_CONFIG");
    Path file;
    if (dockerConfig != null && !dockerConfig.isBlank()) {
      file = Path.of(dockerConfig, "config.json");
    } else {
      String home = env.get("HOME");
      if (home == null || home.isBlank()) {
        home = System.getProperty("user.home");
      }
      file = Path.of(home, ".docker", "config.json");
    }
    return of(file, CredentialHelpers.pathDirs(env.get("PATH")));
  }

  /** From an explicit config file, looking for credential helpers in {@code helperDirs}. */
  public static DockerConfigCredentials of(Path configFile, List<Path> helperDirs) {
    return new DockerConfigCredentials(
        configFile, new CredentialHelpers(helperDirs, DEFAULT_HELPER_TIMEOUT));
  }

  /** How long a credential helper may run (default 30s). */
  public DockerConfigCredentials withHelperTimeout(Duration timeout) {
    return new DockerConfigCredentials(configFile, helpers.withTimeout(timeout));
  }

  /** The config file consulted (it need not exist). */
  public Path configFile() {
    return configFile;
  }

  /** The directories searched for {@code docker-credential-*} helpers. */
  public List<Path> helperDirs() {
    return helpers.helperDirs();
  }

  /** Credentials for the registry of {@code ref}. */
  public Optional<AuthConfig> forImage(ImageReference ref) {
    return forRegistry(ref.domain());
  }

  /**
   * Credentials for a registry domain such as {@code docker.io}, {@code ghcr.io} or {@code
   * 127.0.0.1:5000} (a scheme or path, as in {@code https://index.docker.io/v1/}, is ignored).
   */
  @Override
  public Optional<AuthConfig> forRegistry(String registryDomain) {
    String host = RegistryNames.key(registryDomain);
    if (host.isEmpty()) {
      return Optional.empty();
    }
    JsonNode config = readConfig();
    if (config == null) {
      return Optional.empty();
    }
    String server = RegistryNames.serverAddress(host);

    JsonNode credHelpers = config.get("credHelpers");
    if (credHelpers != null && credHelpers.isObject()) {
      JsonNode helper = find(credHelpers, host, v -> v != null);
      if (helper != null && helper.isTextual() && !helper.asText().isBlank()) {
        return helpers.get(helper.asText().trim(), configFile, host, server);
      }
    }

    JsonNode auths = config.get("auths");
    if (auths != null && auths.isObject()) {
      JsonNode entry = find(auths, host, DockerConfigAuths::hasCredentials);
      if (entry != null) {
        return Optional.of(fromAuthEntry(entry, host, server));
      }
    }

    JsonNode store = config.get("credsStore");
    if (store != null && store.isTextual() && !store.asText().isBlank()) {
      return helpers.get(store.asText().trim(), configFile, host, server);
    }
    return Optional.empty();
  }

  /**
   * The server address Docker keys credentials by: {@code https://index.docker.io/v1/} for Docker
   * Hub, otherwise the registry's {@code host[:port]} (see {@link RegistryNames#serverAddress}).
   */
  public static String serverAddress(String registryDomain) {
    return RegistryNames.serverAddress(registryDomain);
  }

  // ---------------------------------------------------------------------------------------------

  private JsonNode readConfig() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(configFile);
    } catch (NoSuchFileException e) {
      LOG.debug("no Docker config at {}", configFile);
      return null;
    } catch (IOException e) {
      throw new EngineException(
          "cannot read Docker config " + configFile + ": " + e.getClass().getSimpleName(), e);
    }
    if (bytes.length == 0) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node == null || node.isMissingNode() || node.isNull()) {
        return null;
      }
      if (!node.isObject()) {
        throw new EngineException("Docker config " + configFile + " is not a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      // Jackson's message quotes the offending text, which may be a secret: give the place only.
      JsonLocation at = e.getLocation();
      throw new EngineException(
          "Docker config "
              + configFile
              + " is not valid JSON"
              + (at == null
                  ? ""
                  : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    } catch (IOException e) {
      throw new EngineException(
          "cannot read Docker config " + configFile + ": " + e.getClass().getSimpleName());
    }
  }

  /**
   * The value keyed by registry {@code host} that {@code usable} accepts: the preferred keys first
   * ({@link RegistryNames#preferredConfigKeys}), then any key naming the same registry.
   */
  private static JsonNode find(JsonNode object, String host, Predicate<JsonNode> usable) {
    for (String key : RegistryNames.preferredConfigKeys(host)) {
      JsonNode v = object.get(key);
      if (usable.test(v)) {
        return v;
      }
    }
    for (Map.Entry<String, JsonNode> e : object.properties()) {
      if (RegistryNames.key(e.getKey()).equals(host) && usable.test(e.getValue())) {
        return e.getValue();
      }
    }
    return null;
  }

  private AuthConfig fromAuthEntry(JsonNode entry, String host, String server) {
    try {
      return DockerConfigAuths.decode(entry).withServerAddress(server);
    } catch (IllegalArgumentException e) {
      throw new EngineException(
          "Docker config " + configFile + ": the auths entry for " + host + " " + e.getMessage());
    }
  }
}
