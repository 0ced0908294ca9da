package dev.imagespec.engine;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
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
 *       https://host/v1/} are all found; for Docker Hub also {@code https://index.docker.io/v1/},
 *       {@code index.docker.io}, {@code docker.io} and {@code registry-1.docker.io};
 *   <li>{@code credsStore}: runs {@code docker-credential-<store> get}.
 * </ol>
 *
 * A missing file means no credentials. A helper that is not installed, or that answers "credentials
 * not found", means no credentials; any other helper failure, or an unreadable config, is an {@link
 * EngineException} whose message never contains a secret.
 *
 * <p>The file is read on every lookup, so {@code docker login} takes effect without a restart.
 * Returned credentials carry the server address Docker uses: {@code https://index.docker.io/v1/}
 * for Docker Hub, the registry's {@code host[:port]} otherwise.
 */
public final class DockerConfigCredentials implements RegistryCredentials {
  private static final Logger LOG = LoggerFactory.getLogger(DockerConfigCredentials.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The server address Docker uses for Docker Hub credentials. */
  public static final String DOCKER_HUB_SERVER = "https://index.docker.io/v1/";

  private static final Set<String> HUB_HOSTS =
      Set.of("docker.io", "index.docker.io", "registry-1.docker.io");
  private static final Pattern HELPER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final Duration DEFAULT_HELPER_TIMEOUT = Duration.ofSeconds(30);
  private static final int MAX_HELPER_OUTPUT = 1 << 20;

  private final Path configFile;
  private final List<Path> helperDirs;
  private final Duration helperTimeout;

  private DockerConfigCredentials(Path configFile, List<Path> helperDirs, Duration helperTimeout) {
    this.configFile = Objects.requireNonNull(configFile, "configFile");
    this.helperDirs = List.copyOf(helperDirs);
    this.helperTimeout = Objects.requireNonNull(helperTimeout, "helperTimeout");
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
    return of(file, pathDirs(env.get("PATH")));
  }

  /** From an explicit config file, looking for credential helpers in {@code helperDirs}. */
  public static DockerConfigCredentials of(Path configFile, List<Path> helperDirs) {
    return new DockerConfigCredentials(configFile, helperDirs, DEFAULT_HELPER_TIMEOUT);
  }

  /** How long a credential helper may run (default 30s). */
  public DockerConfigCredentials withHelperTimeout(Duration timeout) {
    return new DockerConfigCredentials(configFile, helperDirs, timeout);
  }

  /** The config file consulted (it need not exist). */
  public Path configFile() {
    return configFile;
  }

  /** The directories searched for {@code docker-credential-*} helpers. */
  public List<Path> helperDirs() {
    return helperDirs;
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
    String host = canonicalHost(registryDomain);
    if (host.isEmpty()) {
      return Optional.empty();
    }
    JsonNode config = readConfig();
    if (config == null) {
      return Optional.empty();
    }
    String server = serverAddress(host);

    JsonNode helpers = config.get("credHelpers");
    if (helpers != null && helpers.isObject()) {
      JsonNode helper = find(helpers, host);
      if (helper != null && helper.isTextual() && !helper.asText().isBlank()) {
        return fromHelper(helper.asText().trim(), host, server);
      }
    }

    JsonNode auths = config.get("auths");
    if (auths != null && auths.isObject()) {
      JsonNode entry = findWithCredentials(auths, host);
      if (entry != null) {
        return Optional.of(fromAuthEntry(entry, host, server));
      }
    }

    JsonNode store = config.get("credsStore");
    if (store != null && store.isTextual() && !store.asText().isBlank()) {
      return fromHelper(store.asText().trim(), host, server);
    }
    return Optional.empty();
  }

  /**
   * The server address Docker keys credentials by: {@code https://index.docker.io/v1/} for Docker
   * Hub, otherwise the registry's {@code host[:port]}.
   */
  public static String serverAddress(String registryDomain) {
    String host = canonicalHost(registryDomain);
    return host.equals(ImageReference.DEFAULT_DOMAIN) ? DOCKER_HUB_SERVER : host;
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

  /** The value keyed by {@code host}: exact key first, then any key with that host. */
  private static JsonNode find(JsonNode object, String host) {
    for (String key : exactKeys(host)) {
      JsonNode v = object.get(key);
      if (v != null) {
        return v;
      }
    }
    for (Map.Entry<String, JsonNode> e : object.properties()) {
      if (canonicalHost(e.getKey()).equals(host)) {
        return e.getValue();
      }
    }
    return null;
  }

  /** Like {@link #find}, but skips entries without credentials (as {@code credsStore} leaves). */
  private static JsonNode findWithCredentials(JsonNode auths, String host) {
    for (String key : exactKeys(host)) {
      JsonNode v = auths.get(key);
      if (hasCredentials(v)) {
        return v;
      }
    }
    for (Map.Entry<String, JsonNode> e : auths.properties()) {
      if (canonicalHost(e.getKey()).equals(host) && hasCredentials(e.getValue())) {
        return e.getValue();
      }
    }
    return null;
  }

  private static List<String> exactKeys(String host) {
    return host.equals(ImageReference.DEFAULT_DOMAIN)
        ? List.of(DOCKER_HUB_SERVER, "index.docker.io", "docker.io", "registry-1.docker.io")
        : List.of(host);
  }

  private static boolean hasCredentials(JsonNode entry) {
    if (entry == null || !entry.isObject()) {
      return false;
    }
    for (String field : List.of("auth", "username", "identitytoken", "registrytoken")) {
      JsonNode v = entry.get(field);
      if (v != null && v.isTextual() && !v.asText().isEmpty()) {
        return true;
      }
    }
    return false;
  }

  private AuthConfig fromAuthEntry(JsonNode entry, String host, String server) {
    String username = text(entry, "username");
    String password = text(entry, "password");
    String auth = text(entry, "auth");
    if (auth != null && !auth.isEmpty()) {
      String decoded = decodeAuth(auth, host);
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new EngineException(
            "Docker config "
                + configFile
                + ": the 'auth' entry for "
                + host
                + " is not base64 of user:password");
      }
      username = decoded.substring(0, colon);
      password = decoded.substring(colon + 1);
    }
    return new AuthConfig(
        emptyToNull(username),
        emptyToNull(password),
        emptyToNull(text(entry, "email")),
        server,
        emptyToNull(text(entry, "identitytoken")),
        emptyToNull(text(entry, "registrytoken")));
  }

  private String decodeAuth(String auth, String host) {
    String s = auth.trim();
    for (Base64.Decoder d : List.of(Base64.getDecoder(), Base64.getUrlDecoder())) {
      try {
        return new String(d.decode(s), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException ignored) {
        // try the next alphabet
      }
    }
    throw new EngineException(
        "Docker config " + configFile + ": the 'auth' entry for " + host + " is not valid base64");
  }

  private Optional<AuthConfig> fromHelper(String helper, String host, String server) {
    if (!HELPER_NAME.matcher(helper).matches()) {
      throw new EngineException(
          "Docker config " + configFile + ": invalid credential helper name '" + helper + "'");
    }
    String program = "docker-credential-" + helper;
    Optional<Path> exe = findExecutable(program);
    if (exe.isEmpty()) {
      LOG.debug("credential helper {} for {} not found in {}", program, host, helperDirs);
      return Optional.empty();
    }
    HelperResult result = run(exe.get(), program, host, server);
    String out = result.stdout.trim();
    if (result.exit != 0) {
      String message = out.isEmpty() ? result.stderr.trim() : out;
      if (message.toLowerCase(Locale.ROOT).contains("credentials not found")) {
        LOG.debug("credential helper {} has no credentials for {}", program, host);
        return Optional.empty();
      }
      throw new EngineException(
          "credential helper "
              + program
              + " failed for "
              + host
              + " (exit "
              + result.exit
              + ")"
              + (message.isEmpty() ? "" : ": " + firstLine(message)));
    }
    JsonNode json;
    try {
      json = JSON.readTree(out);
    } catch (JsonProcessingException e) {
      json = null;
    }
    if (json == null || !json.isObject()) {
      // The output is not repeated: it may hold the secret.
      throw new EngineException(
          "credential helper " + program + " answered " + host + " with invalid JSON");
    }
    String username = text(json, "Username");
    String secret = text(json, "Secret");
    if (secret == null || secret.isEmpty()) {
      return Optional.empty();
    }
    if ("<token>".equals(username)) {
      return Optional.of(new AuthConfig(null, null, null, server, secret, null));
    }
    return Optional.of(new AuthConfig(emptyToNull(username), secret, null, server, null, null));
  }

  private record HelperResult(int exit, String stdout, String stderr) {}

  private HelperResult run(Path exe, String program, String host, String server) {
    Process process;
    try {
      process = new ProcessBuilder(exe.toString(), "get").start();
    } catch (IOException e) {
      throw new EngineException(
          "cannot run credential helper " + program + " for " + host + ": " + e.getMessage(), e);
    }
    CompletableFuture<String> stdout = readAsync(process.getInputStream());
    CompletableFuture<String> stderr = readAsync(process.getErrorStream());
    try (OutputStream in = process.getOutputStream()) {
      in.write(server.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // The helper may exit without reading stdin; its exit status tells.
      LOG.debug("credential helper {} did not read its input: {}", program, e.toString());
    }
    try {
      if (!process.waitFor(helperTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process);
        throw new EngineException(
            "credential helper "
                + program
                + " for "
                + host
                + " did not finish within "
                + helperTimeout.toSeconds()
                + "s");
      }
      return new HelperResult(
          process.exitValue(), stdout.get(5, TimeUnit.SECONDS), stderr.get(5, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      kill(process);
      Thread.currentThread().interrupt();
      throw new EngineException("interrupted while running credential helper " + program);
    } catch (ExecutionException | TimeoutException e) {
      kill(process);
      throw new EngineException("cannot read the answer of credential helper " + program);
    }
  }

  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  private static CompletableFuture<String> readAsync(InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (InputStream s = stream) {
            byte[] bytes = s.readNBytes(MAX_HELPER_OUTPUT);
            s.transferTo(OutputStream.nullOutputStream());
            return new String(bytes, StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "";
          }
        },
        task -> {
          Thread t = new Thread(task, "credential-helper-output");
          t.setDaemon(true);
          t.start();
        });
  }

  private Optional<Path> findExecutable(String program) {
    boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("win");
    List<String> names = windows ? List.of(program + ".exe", program) : List.of(program);
    for (Path dir : helperDirs) {
      for (String name : names) {
        Path candidate = dir.resolve(name);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  private static List<Path> pathDirs(String path) {
    List<Path> dirs = new ArrayList<>();
    if (path == null) {
      return dirs;
    }
    for (String part : path.split(Pattern.quote(File.pathSeparator))) {
      if (!part.isBlank()) {
        try {
          dirs.add(Path.of(part));
        } catch (RuntimeException ignored) {
          // an unusable PATH entry
        }
      }
    }
    return dirs;
  }

  /**
   * {@code https://Index.Docker.io/v1/} → {@code docker.io}; {@code http://h:5000/x} → {@code
   * h:5000}.
   */
  static String canonicalHost(String registry) {
    String host = RegistryClient.normaliseRegistry(registry);
    return HUB_HOSTS.contains(host) ? ImageReference.DEFAULT_DOMAIN : host;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static String firstLine(String s) {
    String line = s.lines().findFirst().orElse("").trim();
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }
}
