package dev.imagespec.cli;

import dev.imagespec.reconcile.AccessProofs;
import dev.imagespec.reconcile.ActionOutcome;
import dev.imagespec.reconcile.ErrorMessages;
import dev.imagespec.reconcile.ImageBackend;
import dev.imagespec.reconcile.PlannedAction;
import dev.imagespec.reconcile.PruneSchedule;
import dev.imagespec.reconcile.ReconcileOptions;
import dev.imagespec.reconcile.ReconcileResult;
import dev.imagespec.reconcile.Reconciler;
import dev.imagespec.reconcile.WakeSchedule;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.Manifests;
import dev.imagespec.spec.PushState;
import dev.imagespec.spec.PushStatus;
import dev.imagespec.spec.SpecKey;
import io.fabric8.kubernetes.api.model.Condition;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code imagespec apply -f PATH}: reconcile the manifests against the local engine. */
@Command(
    name = "apply",
    mixinStandardHelpOptions = true,
    description = {
      "Make the engine hold what the ImageSpec manifests declare, then print each spec's status.",
      "Reads every YAML document under PATH (ImageSpecs and kubernetes.io/dockerconfigjson"
          + " Secrets; other kinds are ignored with a note). Invalid input changes nothing.",
      "",
      "While it works it shows progress on stderr: on a terminal a live line per action"
          + " (state, bytes done/total, time) under an overall line, replaced by the table at"
          + " the end; elsewhere (CI, logs) a line when each action starts and when it ends,"
          + " with its duration. -q shows only the table and errors; see --progress.",
      "",
      "Exit codes: 0 converged; 1 some image failed (the rest still applied);"
          + " 2 invalid input (nothing applied)."
    })
final class ApplyCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ApplyCommand.class);
  private static final Duration WATCH_POLL = Duration.ofSeconds(2);

  /** Access shown by the registries, kept across the passes of {@code --watch}. */
  private final AccessProofs proofs = new AccessProofs();

  /** The agent's wake schedule, without its failure retry: a failed pass waits for the next. */
  private static final WakeSchedule WAKES =
      new WakeSchedule(ReconcileOptions.defaults().defaultRefreshInterval(), null);

  @Spec CommandLine.Model.CommandSpec spec;
  @Mixin EngineOptions engine;
  @Mixin ActionTimeoutOption timeouts;
  @Mixin OutputOptions output;

  @Mixin ManifestOptions input;

  @Mixin ProgressOption progress;

  @Option(names = "--prune", description = "Run the specs' prune policies now.")
  boolean prune;

  @Option(names = "--dry-run", description = "Plan and print, change nothing (like 'plan').")
  boolean dryRun;

  @Option(
      names = "--parallel",
      paramLabel = "N",
      description = "Pulls and pushes at once (default ${DEFAULT-VALUE}).",
      defaultValue = "4")
  int parallel;

  @Option(
      names = "--watch",
      description =
          "Keep running: re-apply when a file changes, on each refreshInterval and prune"
              + " schedule. Ctrl-C stops.")
  boolean watch;

  @Override
  public Integer call() {
    if (parallel < 1 || parallel > 64) {
      throw new CliUsageException("--parallel " + parallel + ": must be between 1 and 64");
    }
    timeouts.check();
    engine.check();
    PrintWriter err = spec.commandLine().getErr();
    Manifests loaded = input.load("apply", err);
    try (ImageBackend client = engine.connect()) {
      if (!watch) {
        ReconcileResult result = pass(client, loaded, Map.of(), prune);
        report(result);
        return exitCode(result);
      }
      return watchLoop(client, loaded);
    }
  }

  private ReconcileResult pass(
      ImageBackend client,
      Manifests manifests,
      Map<SpecKey, ImageSpecStatus> previous,
      boolean pruneAll) {
    ReconcileOptions options =
        ReconcileOptions.defaults()
            .withDryRun(dryRun)
            .withParallelism(parallel)
            .withTimeouts(timeouts.timeouts(engine))
            .withPruneAll(pruneAll)
            .withPruneNow(PruneSchedule.due(manifests.specs(), previous, Instant.now()));
    Reconciler reconciler =
        new Reconciler(
            client.port(),
            ReconcileSupport.credentials(manifests, engine.credentials()),
            options,
            proofs);
    ReconcileResult result;
    // closed before the table prints: the live lines are erased and the table takes their place
    try (ApplyProgress shown =
        ApplyProgress.open(
            dryRun ? ProgressOption.Mode.quiet : progress.resolve(output),
            spec.commandLine().getErr())) {
      result = reconciler.withProgress(shown).reconcile(manifests.specs(), previous);
    }
    if (LOG.isInfoEnabled()) {
      for (PlannedAction a : result.plan().actions()) {
        LOG.info("plan: {}", a.describe());
      }
      for (ActionOutcome o : result.outcomes()) {
        LOG.info("done: {}", o.describe());
      }
    }
    return result;
  }

  private static int exitCode(ReconcileResult result) {
    return result.hasFailures() ? ExitCodes.FAILED : ExitCodes.OK;
  }

  // ------------------------------------------------------------------------------- printing

  private void report(ReconcileResult result) {
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      List<Map<String, Object>> docs = new ArrayList<>();
      result
          .statuses()
          .forEach(
              (key, status) -> {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("spec", key.toString());
                doc.put("ready", readyCount(status));
                doc.put(
                    "actions",
                    result.outcomes().stream()
                        .filter(o -> o.action().spec().equals(key))
                        .map(ActionOutcome::describe)
                        .toList());
                doc.put("status", status);
                docs.add(doc);
              });
      output.print(out, docs);
      return;
    }
    Table t = new Table("SPEC", "IMAGES READY", "CONDITIONS", "ACTIONS");
    result
        .statuses()
        .forEach(
            (key, status) ->
                t.row(key, readyCount(status), conditions(status), actions(result, key)));
    t.print(out);
    List<String> details = new ArrayList<>();
    for (ActionOutcome o : result.outcomes()) {
      if (o.result() == ActionOutcome.Result.FAILED) {
        details.add(o.describe());
      }
    }
    result
        .statuses()
        .forEach(
            (key, status) -> {
              if (status.getImages() != null) {
                for (ImageStatus i : status.getImages()) {
                  if (i.getState() != ImageState.Present
                      && i.getState() != ImageState.Absent
                      && i.getMessage() != null) {
                    details.add(
                        key + ": " + i.getImage() + ": " + i.getState() + ": " + i.getMessage());
                  }
                }
              }
              if (status.getPushes() != null) {
                for (PushStatus p : status.getPushes()) {
                  if (p.getState() == PushState.Failed && p.getMessage() != null) {
                    details.add(key + ": push " + p.getTo() + ": " + p.getMessage());
                  }
                }
              }
            });
    details.addAll(result.problems());
    if (!details.isEmpty()) {
      out.println();
      details.stream().distinct().forEach(d -> out.println("  " + d));
    }
    if (result.dryRun()) {
      out.println("(dry run: nothing was changed)");
    }
    out.flush();
  }

  private static String readyCount(ImageSpecStatus status) {
    List<ImageStatus> images = status.getImages() == null ? List.of() : status.getImages();
    long ready =
        images.stream()
            .filter(i -> i.getState() == ImageState.Present || i.getState() == ImageState.Absent)
            .count();
    return ready + "/" + images.size();
  }

  private static String conditions(ImageSpecStatus status) {
    List<Condition> conditions =
        status.getConditions() == null ? List.of() : status.getConditions();
    return conditions.stream()
        .filter(c -> "True".equals(c.getStatus()))
        .map(c -> c.getType() + (c.getReason() == null ? "" : "(" + c.getReason() + ")"))
        .collect(Collectors.joining(" "));
  }

  private static String actions(ReconcileResult result, SpecKey key) {
    Map<String, Integer> counts = new TreeMap<>();
    for (ActionOutcome o : result.outcomes()) {
      if (o.action().spec().equals(key) && o.result() != ActionOutcome.Result.SKIPPED) {
        String k =
            o.action().kind().jsonName()
                + (o.result() == ActionOutcome.Result.FAILED ? " failed" : "");
        counts.merge(k, 1, Integer::sum);
      }
    }
    if (result.dryRun()) {
      for (PlannedAction a : result.plan().actions()) {
        if (a.spec().equals(key)) {
          counts.merge(a.kind().jsonName() + " (planned)", 1, Integer::sum);
        }
      }
    }
    if (counts.isEmpty()) {
      return "-";
    }
    return counts.entrySet().stream()
        .map(e -> e.getKey() + " " + e.getValue())
        .collect(Collectors.joining(", "));
  }

  // ---------------------------------------------------------------------------------- watch

  /** Stop signals of the running watch loops (Ctrl-C sets them through a shutdown hook). */
  private static final Set<CountDownLatch> WATCHES = ConcurrentHashMap.newKeySet();

  /** Stops every running {@code --watch} loop in this JVM, as Ctrl-C does. */
  static void stopWatching() {
    WATCHES.forEach(CountDownLatch::countDown);
  }

  private int watchLoop(ImageBackend client, Manifests initial) {
    PrintWriter err = spec.commandLine().getErr();
    CountDownLatch stop = new CountDownLatch(1);
    WATCHES.add(stop);
    Thread hook = new Thread(stop::countDown, "imagespec-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    Manifests manifests = initial;
    Map<SpecKey, ImageSpecStatus> previous = new HashMap<>();
    Map<Path, Long> fingerprint = fingerprint();
    Instant wakeAt = Instant.MAX;
    boolean firstPass = true;
    int code = ExitCodes.OK;
    try {
      while (stop.getCount() > 0) {
        Instant now = Instant.now();
        boolean due = firstPass || now.isAfter(wakeAt);
        Map<Path, Long> current = fingerprint();
        if (!current.equals(fingerprint)) {
          fingerprint = current;
          try {
            manifests = input.load("apply", err);
            err.println("manifests changed: re-applying");
            due = true;
          } catch (CliUsageException e) {
            err.println("imagespec: " + ErrorMessages.of(e) + "; keeping the last valid manifests");
          }
          err.flush();
        }
        if (due) {
          // the statuses that time the next wake; none after a failed pass: the cron schedules
          Map<SpecKey, ImageSpecStatus> timing = Map.of();
          try {
            ReconcileResult result = pass(client, manifests, previous, firstPass && prune);
            previous = new HashMap<>(result.statuses());
            timing = previous;
            report(result);
            code = exitCode(result);
          } catch (RuntimeException e) {
            // an engine that went away, or anything else this pass met: the loop goes on
            err.println("imagespec: " + Main.describe(e) + " (will retry)");
            err.flush();
            code = ExitCodes.FAILED;
          }
          Instant lastPass = Instant.now();
          Duration next = WAKES.next(manifests.specs(), timing, false, lastPass);
          wakeAt = next == null ? Instant.MAX : lastPass.plus(next);
          firstPass = false;
        }
        stop.await(WATCH_POLL.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      WATCHES.remove(stop);
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is already stopping: Ctrl-C
      }
    }
    err.println("stopped");
    err.flush();
    return code;
  }

  /** Paths and modification times of every YAML file under the inputs (stdin is read once). */
  private Map<Path, Long> fingerprint() {
    Map<Path, Long> out = new TreeMap<>();
    for (String p : input.paths) {
      if (p.equals("-")) {
        continue;
      }
      Path path = Path.of(p);
      try (Stream<Path> files = Files.isDirectory(path) ? Files.walk(path) : Stream.of(path)) {
        files
            .filter(Files::isRegularFile)
            .forEach(
                f -> {
                  try {
                    out.put(f, Files.getLastModifiedTime(f).toMillis() ^ Files.size(f));
                  } catch (IOException e) {
                    out.put(f, -1L);
                  }
                });
      } catch (IOException | java.io.UncheckedIOException e) {
        // a file or directory vanished while being listed: the next poll sees the new state
        out.put(path, -1L);
      }
    }
    return out;
  }
}
