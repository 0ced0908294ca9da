package dev.imagespec.testing;

import dev.imagespec.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

/** Runs {@code imagespec} in this JVM ({@link Main#run}) with stdout and stderr captured. */
public final class CliRunner {
  private CliRunner() {}

  /** A finished run: its exit code and what it printed. */
  public record Result(int code, String out, String err) {}

  /** Runs {@code imagespec args...} to its end. */
  public static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  /**
   * Runs {@code imagespec args...} with {@code stdin} as {@link System#in} (restored after; tests
   * run one at a time).
   */
  public static Result runWithStdin(byte[] stdin, String... args) {
    java.io.InputStream saved = System.in;
    System.setIn(new java.io.ByteArrayInputStream(stdin));
    try {
      return run(args);
    } finally {
      System.setIn(saved);
    }
  }

  /** Starts {@code imagespec args...} on its own thread, for commands that run until stopped. */
  public static Background start(String... args) {
    return new Background(args);
  }

  /** A run on its own thread; {@link #join} waits for its end. */
  public static final class Background {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final Thread thread;
    private volatile int code = -1;

    private Background(String... args) {
      thread =
          new Thread(
              () -> code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args),
              "imagespec " + String.join(" ", args));
      thread.start();
    }

    /** Waits up to {@code timeout} for the end; the result's code is -1 if it has not ended. */
    public Result join(Duration timeout) throws InterruptedException {
      thread.join(timeout.toMillis());
      return new Result(thread.isAlive() ? -1 : code, out.toString(), err.toString());
    }

    public boolean isAlive() {
      return thread.isAlive();
    }

    /** What it has printed on stdout so far. */
    public String outSoFar() {
      return out.toString();
    }

    /** What it has printed on stderr so far. */
    public String errSoFar() {
      return err.toString();
    }
  }
}
