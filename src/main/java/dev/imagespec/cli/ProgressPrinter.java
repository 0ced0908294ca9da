package dev.imagespec.cli;

import dev.imagespec.engine.ProgressEvent;
import dev.imagespec.reconcile.ByteSizes;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows pull/push progress: on a terminal, one line redrawn in place with a bar over all layers;
 * off a terminal, each status line goes to the verbose log.
 */
final class ProgressPrinter implements Consumer<ProgressEvent>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("dev.imagespec.progress");
  private final PrintStream err = System.err;
  private final boolean tty;
  private final String title;
  private final Map<String, long[]> layers = new LinkedHashMap<>();
  private String lastLine = "";
  private boolean drawn;

  /** {@code tty}: draw on the terminal; else each status line goes to the verbose log. */
  ProgressPrinter(String title, boolean tty) {
    this.title = title;
    this.tty = tty;
  }

  @Override
  public void accept(ProgressEvent e) {
    if (!tty) {
      String line = e.describe();
      if (!line.isEmpty() && !line.equals(lastLine)) {
        LOG.info("{}", line);
        lastLine = line;
      }
      return;
    }
    if (e.id() != null && e.total() > 0) {
      layers.put(e.id(), new long[] {e.current(), e.total()});
    } else if (e.id() != null && e.status() != null && e.status().contains("complete")) {
      long[] l = layers.get(e.id());
      if (l != null) {
        l[0] = l[1];
      }
    }
    long done = 0;
    long total = 0;
    for (long[] l : layers.values()) {
      done += Math.max(0, l[0]);
      total += l[1];
    }
    String text;
    if (total > 0) {
      int width = 30;
      int filled = (int) Math.min(width, width * done / total);
      text =
          String.format(
              "%s [%s%s] %s/%s",
              title,
              "=".repeat(filled),
              " ".repeat(width - filled),
              ByteSizes.format(done),
              ByteSizes.format(total));
    } else {
      text = title + " " + e.describe();
    }
    if (text.length() > 100) {
      text = text.substring(0, 100);
    }
    err.print("\r" + text + " ".repeat(Math.max(0, lastLine.length() - text.length())));
    err.flush();
    lastLine = text;
    drawn = true;
  }

  @Override
  public void close() {
    if (tty && drawn) {
      err.println();
    }
  }
}
