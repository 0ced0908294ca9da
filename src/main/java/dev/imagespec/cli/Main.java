package dev.imagespec.cli;

import dev.imagespec.engine.EngineException;
import dev.imagespec.engine.InvalidArgumentException;
import dev.imagespec.engine.cri.UnsupportedByRuntimeException;
import dev.imagespec.reconcile.ErrorMessages;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Entry point of {@code imagespec}. */
@Command(
    name = "imagespec",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Declarative container-image manager for Docker Engine, Podman and CRI runtimes"
          + " (containerd, CRI-O).",
      "",
      "Engine: --host URL (unix:///path, tcp://host:port, https://host:port), else DOCKER_HOST,"
          + " CONTAINER_HOST, then /var/run/docker.sock, /run/podman/podman.sock,"
          + " $XDG_RUNTIME_DIR/podman/podman.sock, /run/containerd/containerd.sock,"
          + " /var/run/crio/crio.sock; --runtime auto|docker|podman|cri says which API it speaks."
          + " TLS: DOCKER_TLS_VERIFY + DOCKER_CERT_PATH.",
      "Registry credentials: --creds, else DOCKER_CONFIG/config.json or ~/.docker/config.json.",
      "",
      "Exit codes: 0 ok; 1 engine, registry or auth error; 2 usage or invalid input."
    })
public final class Main {

  @Option(
      names = {"-v", "--verbose"},
      description = "Log what imagespec does (to stderr).",
      scope = CommandLine.ScopeType.INHERIT)
  boolean verbose;

  @Option(
      names = "--debug",
      description = "Log every engine call too (never credentials).",
      scope = CommandLine.ScopeType.INHERIT)
  boolean debug;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code. */
  public static int run(String... args) {
    configureLogging(args);
    return commandLine(args).execute(args);
  }

  /** Runs the CLI with its output and errors going to the given writers (for embedding, tests). */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    configureLogging(args);
    CommandLine cli = commandLine(args);
    cli.setOut(out);
    cli.setErr(err);
    return cli.execute(args);
  }

  /** The whole command tree (help, completion, tests). */
  static CommandLine commandLine() {
    return handlers(CommandTree.full());
  }

  /** The command tree as far as {@code args} need it: see {@link CommandTree}. */
  static CommandLine commandLine(String... args) {
    return handlers(CommandTree.forArgs(args));
  }

  private static CommandLine handlers(CommandLine cli) {
    cli.setExecutionExceptionHandler(Main::handleError);
    cli.setParameterExceptionHandler(
        (ex, args) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("imagespec: " + ex.getMessage());
          CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
          err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
          return ExitCodes.USAGE;
        });
    return cli;
  }

  private static int handleError(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
    PrintWriter err = cmd.getErr();
    if (ex instanceof InvalidArgumentException
        || ex instanceof CliUsageException
        || ex instanceof UnsupportedByRuntimeException) {
      err.println("imagespec: " + ex.getMessage());
      return ExitCodes.USAGE;
    }
    if (ex instanceof EngineException || ex instanceof UnsupportedOperationException) {
      err.println("imagespec: " + ex.getMessage());
      return ExitCodes.FAILED;
    }
    err.println("imagespec: unexpected error: " + ex);
    if (Boolean.getBoolean("imagespec.debug")) {
      ex.printStackTrace(err);
    }
    return ExitCodes.FAILED;
  }

  /** An exception as users see it: the message of our own errors, else its type too. */
  static String describe(Exception e) {
    if (e instanceof EngineException || e instanceof CliUsageException) {
      return ErrorMessages.of(e);
    }
    return "unexpected error: " + e;
  }

  /**
   * The logging backend ({@code cli.logging}) reads its settings once, when the first logger is
   * made, so they are set before any logger exists. An unknown {@code --log-format} is left for
   * picocli's validation of the operator options.
   */
  private static void configureLogging(String[] args) {
    List<String> list = Arrays.asList(args);
    boolean debug = list.contains("--debug");
    boolean verbose =
        debug
            || Arrays.stream(args)
                .anyMatch(a -> a.equals("-v") || a.equals("--verbose") || a.matches("-[a-zA-Z]*v"));
    String envLevel = System.getenv("IMAGESPEC_LOG_LEVEL");
    if (envLevel == null || envLevel.isBlank()) {
      setDefault("imagespec.log.level", debug ? "info" : "warn");
      // the operator's roles are long-running services: they log what they do by default
      boolean operator = args.length > 0 && args[0].equals("operator");
      setDefault(
          "imagespec.log.level.dev.imagespec",
          debug ? "debug" : verbose || operator ? "info" : "warn");
    }
    for (int i = 0; i < args.length; i++) {
      String format = null;
      if (args[i].startsWith("--log-format=")) {
        format = args[i].substring("--log-format=".length());
      } else if (args[i].equals("--log-format") && i + 1 < args.length) {
        format = args[i + 1];
      }
      if (format != null) {
        System.setProperty("imagespec.log.format", format);
      }
    }
    if (debug) {
      System.setProperty("imagespec.debug", "true");
    }
  }

  /** Sets a system property unless the user gave it ({@code java -D...}). */
  private static void setDefault(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }

  /** Reports the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      String commit = null;
      boolean dirty = false;
      try (java.io.InputStream in =
          Main.class.getClassLoader().getResourceAsStream("META-INF/MANIFEST.MF")) {
        if (in != null && v != null) {
          java.util.jar.Attributes a = new java.util.jar.Manifest(in).getMainAttributes();
          commit = a.getValue("Build-Commit");
          dirty = "true".equals(a.getValue("Build-Dirty"));
        }
      } catch (java.io.IOException e) {
        commit = null;
      }
      boolean known = commit != null && !commit.isBlank() && !commit.startsWith("${");
      return new String[] {
        "imagespec "
            + (v == null ? "dev" : v)
            + (known
                ? " (commit " + commit + (dirty ? ", with uncommitted changes" : "") + ")"
                : "")
      };
    }
  }
}
