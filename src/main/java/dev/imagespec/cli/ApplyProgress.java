package dev.imagespec.cli;

import dev.imagespec.reconcile.ActionKind;
import dev.imagespec.reconcile.ActionOutcome;
import dev.imagespec.reconcile.ActionProgress;
import dev.imagespec.reconcile.ByteSizes;
import dev.imagespec.reconcile.Ids;
import dev.imagespec.reconcile.PlannedAction;
import dev.imagespec.reconcile.TransferProgress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What {@code apply} shows while a pass runs, on stderr: live lines on a terminal ({@link
 * LiveProgress}), a line when each action starts and ends elsewhere, nothing when quiet. Closing it
 * clears the live lines: close it before the pass's table prints.
 */
abstract class ApplyProgress implements ActionProgress, AutoCloseable {

  /** The display for {@code mode} (resolved: not {@code auto}), writing to {@code err}. */
  static ApplyProgress open(ProgressOption.Mode mode, PrintWriter err) {
    return switch (mode) {
      case tty -> new LiveProgress(err);
      case plain -> new Plain(err);
      default -> new Quiet();
    };
  }

  @Override
  public void close() {}

  /** An action as the progress lines name it, e.g. {@code pull registry/x:1}. */
  static String subject(PlannedAction a) {
    String image =
        a.kind() == ActionKind.PRUNE || a.image().startsWith("sha256:")
            ? Ids.shortId(a.image())
            : a.image();
    return switch (a.kind()) {
      case PUSH -> "push " + (a.target() == null ? image : a.target());
      case TAG -> "tag " + image + " as " + a.target();
      default -> a.kind().jsonName() + " " + image;
    };
  }

  /** {@code 2.3s}, {@code 1m05s}. */
  static String seconds(Duration d) {
    long tenths = d.toMillis() / 100;
    if (tenths < 600) {
      return (tenths / 10) + "." + (tenths % 10) + "s";
    }
    long s = d.toSeconds();
    return s >= 3600
        ? String.format("%dh%02dm", s / 3600, s % 3600 / 60)
        : String.format("%dm%02ds", s / 60, s % 60);
  }

  /** {@code 12.3MB/40MB}, empty when the store told no bytes. */
  static String bytes(TransferProgress t) {
    return t == null || !t.hasBytes()
        ? ""
        : ByteSizes.format(t.done()) + "/" + ByteSizes.format(t.total());
  }

  /** Shows nothing. */
  static final class Quiet extends ApplyProgress {}

  /** A line when an action starts and one when it ends, with its duration (CI logs). */
  static final class Plain extends ApplyProgress {
    private final PrintWriter err;
    private final Map<String, TransferProgress> last = new ConcurrentHashMap<>();

    Plain(PrintWriter err) {
      this.err = err;
    }

    @Override
    public void started(PlannedAction action) {
      line(subject(action) + " ...");
    }

    @Override
    public void transferred(PlannedAction action, TransferProgress progress) {
      if (progress.hasBytes()) {
        last.put(action.key(), progress);
      }
    }

    @Override
    public void finished(ActionOutcome outcome, Duration elapsed) {
      PlannedAction a = outcome.action();
      TransferProgress t = last.remove(a.key());
      String message = outcome.message() == null ? "" : outcome.message();
      String text =
          switch (outcome.result()) {
            case SUCCEEDED ->
                subject(a)
                    + " done in "
                    + seconds(elapsed)
                    + (t == null ? "" : " (" + ByteSizes.format(t.total()) + ")")
                    + (message.isEmpty() ? "" : " (" + message + ")");
            case FAILED -> subject(a) + " failed in " + seconds(elapsed) + ": " + message;
            case SKIPPED -> subject(a) + " skipped" + (message.isEmpty() ? "" : ": " + message);
          };
      line(text);
    }

    private void line(String text) {
      synchronized (err) {
        err.println(text);
        err.flush();
      }
    }
  }
}
