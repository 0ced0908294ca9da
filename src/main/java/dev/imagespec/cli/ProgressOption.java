package dev.imagespec.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** {@code -q} and {@code --progress}: how a command shows progress while it works. */
final class ProgressOption {
  /** How progress shows. */
  enum Mode {
    /**
     * {@link #tty} on a terminal, {@link #plain} elsewhere, {@link #quiet} with {@code -o json}.
     */
    auto,
    /** Live lines redrawn in place (ANSI), on stderr. */
    tty,
    /** A line when each step starts and when it ends, on stderr. */
    plain,
    /** Nothing: only the result and errors. */
    quiet
  }

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress output: only the result and errors.")
  boolean quiet;

  @Option(
      names = "--progress",
      paramLabel = "MODE",
      description =
          "How progress shows on stderr: ${COMPLETION-CANDIDATES}. auto (default): tty on a"
              + " terminal (plain with -v, whose log lines would break the redraw), else plain;"
              + " none with -o json|yaml. tty: lines redrawn in place, even when no terminal is"
              + " detected. plain: nothing redrawn (apply: a line when each action starts and"
              + " ends; images pull/push: status lines in the -v log). quiet: as -q.")
  Mode mode = Mode.auto;

  /** The mode to use: never {@link Mode#auto}. */
  Mode resolve(OutputOptions output) {
    if (quiet || mode == Mode.quiet) {
      return Mode.quiet;
    }
    if (mode != Mode.auto) {
      return mode;
    }
    if (output != null && output.json()) {
      return Mode.quiet;
    }
    // log lines (-v) written between two frames would be overwritten by the next
    boolean logging = LoggerFactory.getLogger("dev.imagespec").isInfoEnabled();
    return onTerminal() && !logging ? Mode.tty : Mode.plain;
  }

  /**
   * Whether this process talks to a terminal that understands cursor movement: stdin and stdout are
   * one ({@link System#console()}), stderr too where Linux's {@code /proc} tells, and {@code TERM}
   * is not {@code dumb}.
   */
  static boolean onTerminal() {
    return System.console() != null
        && !"dumb".equals(System.getenv("TERM"))
        && stderrMayBeTerminal();
  }

  /** False when stderr is known to go elsewhere ({@code 2>file}, a pipe); true when unknown. */
  private static boolean stderrMayBeTerminal() {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return true; // no /proc (macOS): the console alone decides
    }
  }

  /** A progress printer for {@code what}: live on a terminal, else to the verbose log. */
  ProgressPrinter printer(String what, OutputOptions output) {
    return new ProgressPrinter(what, resolve(output) == Mode.tty);
  }
}
