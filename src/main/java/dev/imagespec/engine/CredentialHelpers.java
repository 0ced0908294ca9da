package dev.imagespec.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Docker credential helpers: runs {@code docker-credential-<name> get} (found in {@link
 * #helperDirs}) with the server address on stdin and reads its {@code {"Username", "Secret"}}
 * answer; a {@code <token>} username means the secret is an identity token.
 *
 * <p>A helper that is not installed, or that answers "credentials not found", means no credentials;
 * any other failure is an {@link EngineException} whose message never contains the helper's output
 * when that may hold a secret.
 */
final class CredentialHelpers {
  private static final Logger LOG = LoggerFactory.getLogger(CredentialHelpers.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern HELPER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final int MAX_HELPER_OUTPUT = 1 << 20;

  private final List<Path> helperDirs;
  private final Duration timeout;

  CredentialHelpers(List<Path> helperDirs, Duration timeout) {
    this.helperDirs = List.copyOf(helperDirs);
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /** The directories searched for {@code docker-credential-*} programs. */
  List<Path> helperDirs() {
    return helperDirs;
  }

  Duration timeout() {
    return timeout;
  }

  CredentialHelpers withTimeout(Duration timeout) {
    return new CredentialHelpers(helperDirs, timeout);
  }

  /** The directories of a {@code PATH} value. */
  static List<Path> pathDirs(String path) {
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
   * Asks helper {@code helper} for the credentials of {@code server}.
   *
   * @param configFile the config naming the helper, for messages
   * @param host the registry key, for messages
   * @param server the server address the helper is asked about (see {@link
   *     RegistryNames#serverAddress})
   */
  Optional<AuthConfig> get(String helper, Path configFile, String host, String server) {
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
    return Optional.of(
        new AuthConfig(
            username == null || username.isEmpty() ? null : username,
            secret,
            null,
            server,
            null,
            null));
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
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process);
        throw new EngineException(
            "credential helper "
                + program
                + " for "
                + host
                + " did not finish within "
                + timeout.toSeconds()
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

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  private static String firstLine(String s) {
    String line = s.lines().findFirst().orElse("").trim();
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }
}
