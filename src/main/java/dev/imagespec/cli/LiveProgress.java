package dev.imagespec.cli;

import dev.imagespec.reconcile.ActionKind;
import dev.imagespec.reconcile.ActionOutcome;
import dev.imagespec.reconcile.ByteSizes;
import dev.imagespec.reconcile.PlannedAction;
import dev.imagespec.reconcile.TransferProgress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code apply}'s live display on a terminal, like {@code docker compose pull}: a line per action
 * (state, bytes done/total, time) under an overall line ({@code 3/20 images}), redrawn in place
 * with ANSI cursor movement at most 10 times a second by a thread of its own, and erased by {@link
 * #close()} so the pass's table replaces it. The executor's threads only update the rows.
 */
final class LiveProgress extends ApplyProgress {
  /** Redraws at most this often. */
  static final Duration FRAME = Duration.ofMillis(100);

  /** Action lines shown at most; the rest are counted in one line. */
  static final int MAX_ROWS = 20;

  private enum State {
    WAITING,
    RUNNING,
    DONE,
    FAILED,
    SKIPPED
  }

  private static final class Row {
    final PlannedAction action;
    State state = State.WAITING;
    TransferProgress transfer;
    long started;
    Duration took;

    Row(PlannedAction action) {
      this.action = action;
    }
  }

  private final PrintWriter err;
  private final int width;
  private final long opened = System.nanoTime();
  private final Map<String, Row> rows = new LinkedHashMap<>(); // guarded by this
  private final ScheduledExecutorService ticker;
  private volatile int height; // lines on screen; only the ticker (then close) draws
  private String lastFrame = "";

  LiveProgress(PrintWriter err) {
    this.err = err;
    this.width = columns();
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "imagespec-progress");
              t.setDaemon(true);
              return t;
            });
    ticker.scheduleAtFixedRate(
        this::draw, FRAME.toMillis(), FRAME.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The terminal's width: {@code COLUMNS}, else what {@code stty size} says of {@code /dev/tty},
   * else 80. Lines longer than it would wrap and break the redraw.
   */
  static int columns() {
    String c = System.getenv("COLUMNS");
    if (c != null) {
      try {
        return Math.max(40, Integer.parseInt(c.trim()));
      } catch (NumberFormatException e) {
        // not a number: ask the terminal
      }
    }
    try {
      Process p =
          new ProcessBuilder("stty", "size")
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/tty")))
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (p.waitFor(1, TimeUnit.SECONDS) && p.exitValue() == 0) {
        String[] size =
            new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                .trim()
                .split("\\s+");
        int cols = size.length == 2 ? Integer.parseInt(size[1]) : 0;
        if (cols > 0) {
          return Math.max(40, cols); // 0: a terminal that does not know its size
        }
      }
      p.destroy();
    } catch (java.io.IOException | NumberFormatException e) {
      // no stty, no terminal: the default
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 80;
  }

  @Override
  public synchronized void planned(List<PlannedAction> actions) {
    for (PlannedAction a : actions) {
      rows.putIfAbsent(a.key(), new Row(a));
    }
  }

  @Override
  public synchronized void started(PlannedAction action) {
    Row r = rows.computeIfAbsent(action.key(), k -> new Row(action));
    r.state = State.RUNNING;
    r.started = System.nanoTime();
  }

  @Override
  public synchronized void transferred(PlannedAction action, TransferProgress progress) {
    Row r = rows.get(action.key());
    if (r != null) {
      r.transfer = progress;
    }
  }

  @Override
  public synchronized void finished(ActionOutcome outcome, Duration elapsed) {
    Row r = rows.computeIfAbsent(outcome.action().key(), k -> new Row(outcome.action()));
    r.took = elapsed;
    r.state =
        switch (outcome.result()) {
          case SUCCEEDED -> State.DONE;
          case FAILED -> State.FAILED;
          case SKIPPED -> State.SKIPPED;
        };
  }

  /** Draws the current frame if it differs from the one on screen (the ticker's thread). */
  private void draw() {
    try {
      List<String> lines = frame();
      String text = String.join("\n", lines);
      if (text.equals(lastFrame)) {
        return;
      }
      lastFrame = text;
      StringBuilder b = new StringBuilder();
      up(b);
      for (String l : lines) {
        b.append("\033[2K").append(l).append('\n');
      }
      b.append("\033[J");
      synchronized (err) {
        err.print(b);
        err.flush();
      }
      height = lines.size();
    } catch (RuntimeException e) {
      // a display fault must not stop the ticker's later frames
    }
  }

  /** Moves the cursor to the first line drawn. */
  private void up(StringBuilder b) {
    b.append('\r');
    if (height > 0) {
      b.append("\033[").append(height).append('A');
    }
  }

  /** The lines to show now: the overall line, then the actions. */
  synchronized List<String> frame() {
    long now = System.nanoTime();
    List<Row> all = new ArrayList<>(rows.values());
    List<String> lines = new ArrayList<>();
    lines.add(overall(all, now));
    List<Row> shown = all;
    if (all.size() > MAX_ROWS) {
      // running first, then failed, waiting, finished: what moves stays in view
      Map<State, Integer> rank =
          Map.of(
              State.RUNNING, 0, State.FAILED, 1, State.WAITING, 2, State.DONE, 3, State.SKIPPED, 4);
      shown =
          all.stream()
              .sorted(Comparator.comparing(r -> rank.get(r.state)))
              .limit(MAX_ROWS - 1L)
              .toList();
    }
    for (Row r : shown) {
      lines.add(line(r, now));
    }
    if (shown.size() < all.size()) {
      lines.add(" ... " + (all.size() - shown.size()) + " more");
    }
    return lines;
  }

  private String overall(List<Row> all, long now) {
    if (all.isEmpty()) {
      // the image list and registry lookups before the plan
      return fit("[+] planning  " + seconds(Duration.ofNanos(now - opened)));
    }
    Map<String, boolean[]> images = new LinkedHashMap<>(); // image -> {all ended}
    int removals = 0;
    int removalsDone = 0;
    int running = 0;
    int failed = 0;
    long done = 0;
    long total = 0;
    for (Row r : all) {
      boolean ended = r.state != State.WAITING && r.state != State.RUNNING;
      ActionKind k = r.action.kind();
      if (k == ActionKind.PULL || k == ActionKind.TAG || k == ActionKind.PUSH) {
        images.computeIfAbsent(r.action.image(), i -> new boolean[] {true})[0] &= ended;
      } else {
        removals++;
        removalsDone += ended ? 1 : 0;
      }
      running += r.state == State.RUNNING ? 1 : 0;
      failed += r.state == State.FAILED ? 1 : 0;
      if (r.transfer != null && r.transfer.hasBytes()) {
        done += r.transfer.done();
        total += r.transfer.total();
      }
    }
    long imagesDone = images.values().stream().filter(v -> v[0]).count();
    List<String> parts = new ArrayList<>();
    if (!images.isEmpty() || removals == 0) {
      parts.add(imagesDone + "/" + images.size() + " images");
    }
    if (removals > 0) {
      parts.add(removalsDone + "/" + removals + " removals");
    }
    if (running > 0) {
      parts.add(running + " running");
    }
    if (failed > 0) {
      parts.add(failed + " failed");
    }
    String bytes = total > 0 ? "  " + ByteSizes.format(done) + "/" + ByteSizes.format(total) : "";
    return fit(
        "[+] " + String.join(", ", parts) + bytes + "  " + seconds(Duration.ofNanos(now - opened)));
  }

  private String line(Row r, long now) {
    String state =
        switch (r.state) {
          case WAITING -> "Waiting";
          case RUNNING -> running(r);
          case DONE -> "Done";
          case FAILED -> "Failed";
          case SKIPPED -> "Skipped";
        };
    String time =
        switch (r.state) {
          case WAITING -> "";
          case RUNNING -> seconds(Duration.ofNanos(now - r.started));
          default -> r.took == null || r.took.isZero() ? "" : seconds(r.took);
        };
    String tail = String.format(" %-10s %15s %6s", state, bytes(r.transfer), time);
    int room = Math.max(16, width - 1 - tail.length() - 1);
    return fit(" " + pad(shorten(subject(r.action), room), room) + tail);
  }

  /** {@code s} in {@code room} characters: its start and its end (the image's name and tag). */
  static String shorten(String s, int room) {
    if (s.length() <= room) {
      return s;
    }
    int head = Math.min(8, room / 3);
    return s.substring(0, head) + "..." + s.substring(s.length() - (room - head - 3));
  }

  private static String running(Row r) {
    TransferProgress t = r.transfer;
    if (t != null) {
      switch (t.phase()) {
        case DOWNLOADING:
          return "Pulling";
        case UPLOADING:
          return "Pushing";
        case EXTRACTING:
          return "Extracting";
        case WAITING:
          break;
      }
    }
    return switch (r.action.kind()) {
      case PULL -> "Pulling";
      case PUSH -> "Pushing";
      case TAG -> "Tagging";
      case REMOVE -> "Removing";
      case PRUNE -> "Pruning";
    };
  }

  private static String pad(String s, int n) {
    return s.length() >= n ? s : s + " ".repeat(n - s.length());
  }

  /** Cuts {@code s} to the terminal's width: a wrapped line would break the redraw. */
  private String fit(String s) {
    String t = s.stripTrailing();
    return t.length() < width ? t : t.substring(0, width - 1);
  }

  /** Stops redrawing and erases the lines drawn. */
  @Override
  public void close() {
    ticker.shutdownNow();
    try {
      ticker.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (height > 0) {
      StringBuilder b = new StringBuilder();
      up(b);
      b.append("\033[J");
      synchronized (err) {
        err.print(b);
        err.flush();
      }
      height = 0;
    }
  }
}
