package dev.imagespec.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ManifestLoader;
import dev.imagespec.spec.Manifests;
import dev.imagespec.spec.SpecKey;
import dev.imagespec.testing.FaultProxy;
import dev.imagespec.testing.PrivateContainerd;
import dev.imagespec.testing.RegistryImages;
import dev.imagespec.testing.TarImages;
import dev.imagespec.testing.TestEnv;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CRI containerd restarts (SIGTERM, started again at once) while a pass pulls from it: a
 * containerd of the test's own ({@link PrivateContainerd}), the pull held mid-blob by a {@link
 * FaultProxy} so the restart surely cuts it. The pass ends (success or failures that say the
 * cause), containerd holds no incomplete image record, what the pass pulled before is kept, and the
 * next pass converges. {@link EngineRestartTest} does the same for dockerd and Podman. Each run
 * writes a line to {@code target/fault-figures.tsv}.
 */
class CriRestartTest {
  private static final int RUNS = Integer.getInteger("faults.runs", 1);

  @TempDir Path dir;

  @Test
  void aPullCutByAContainerdRestartEndsThePassAndTheNextPassConverges() throws Exception {
    RegistryClient registry = RegistryClient.builder().build();
    try (PrivateContainerd containerd = new PrivateContainerd(dir);
        FaultProxy proxy = new FaultProxy(TestEnv.registry());
        RegistryImages cleanup = new RegistryImages(registry)) {
      containerd.start();
      for (int run = 1; run <= RUNS; run++) {
        run(run, containerd, proxy, registry, cleanup);
      }
    }
  }

  private void run(
      int run,
      PrivateContainerd containerd,
      FaultProxy proxy,
      RegistryClient registry,
      RegistryImages cleanup)
      throws Exception {
    String repo = "imagespec-test/cri-restart-" + TestEnv.unique();
    List<ImageReference> refs = new ArrayList<>();
    List<RegistryImages.Pushed> pushed = new ArrayList<>();
    for (String tag : new String[] {"a", "b", "c"}) {
      ImageReference direct = ImageReference.parse(TestEnv.registry() + "/" + repo + ":" + tag);
      pushed.add(TarImages.push(registry, cleanup, direct, run * 10L + tag.charAt(0), 2 << 20));
      refs.add(ImageReference.parse(proxy.address() + "/" + repo + ":" + tag));
    }
    StringBuilder yaml =
        new StringBuilder(
            "apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\nmetadata:\n  name: restart\n"
                + "spec:\n  images:\n");
    refs.forEach(r -> yaml.append("    - image: ").append(r.canonical()).append('\n'));
    Manifests m = new ManifestLoader().loadString("restart.yaml", yaml.toString());
    assertThat(m.allProblems()).isEmpty();
    // b's layer stalls halfway: the restart comes while containerd is pulling it
    proxy.stallMidBlob("GET", pushed.get(1).blobs().get(1), 1);

    ReconcileOptions options =
        ReconcileOptions.defaults()
            .withParallelism(1)
            .withRetry(RetryPolicy.of(2, Duration.ofMillis(200)));
    CredentialResolver none = (ns, names, domain) -> Optional.empty();
    try (CriRuntime runtime = CriRuntime.connect(containerd.host(), Duration.ofMinutes(2))) {
      Reconciler reconciler = new Reconciler(new CriImagePort(runtime), none, options);
      CompletableFuture<ReconcileResult> pass =
          CompletableFuture.supplyAsync(() -> reconciler.reconcile(m.specs(), Map.of()));
      await().atMost(Duration.ofSeconds(60)).until(() -> proxy.stalled() == 1);

      Instant restart = Instant.now();
      containerd.stop();
      proxy.release(); // the stalled connection is gone with containerd anyway
      containerd.start();
      Instant back = Instant.now();

      ReconcileResult first = pass.get(3, java.util.concurrent.TimeUnit.MINUTES);
      Instant firstEnd = Instant.now();
      assertThat(first.outcomes()).as("a pulled before the restart").anyMatch(o -> o.succeeded());
      String failure = "";
      if (first.hasFailures()) {
        failure = first.failures().get(0).message();
        assertThat(failure)
            .as("the failure names the image and the runtime's error")
            .contains(repo)
            .containsAnyOf("unavailable", "UNAVAILABLE", "closed", "refused", "reset", "EOF");
      }
      // no incomplete image record: every record of the repository is complete
      for (String line : containerd.ctr("images", "check").lines().toList()) {
        if (line.contains(repo)) {
          assertThat(line).as("ctr images check").contains("complete").doesNotContain("incomplete");
        }
      }

      // passes as the agent runs them after a failure: every 2 s (its --retry-interval here)
      AtomicReference<Map<SpecKey, ImageSpecStatus>> status =
          new AtomicReference<>(first.statuses());
      AtomicReference<ReconcileResult> lastPass = new AtomicReference<>(first);
      AtomicInteger passCount = new AtomicInteger(1);
      List<String> passErrors = new ArrayList<>();
      if (!first.converged()) {
        try {
          await()
              .atMost(Duration.ofSeconds(90))
              .pollDelay(Duration.ofSeconds(2))
              .pollInterval(Duration.ofSeconds(2))
              .until(
                  () -> {
                    passCount.incrementAndGet();
                    try {
                      ReconcileResult r = reconciler.reconcile(m.specs(), status.get());
                      lastPass.set(r);
                      status.set(r.statuses());
                      if (!r.converged()) {
                        passErrors.add(String.valueOf(r.failures().size()) + " failed");
                      }
                      return r.converged();
                    } catch (RuntimeException e) {
                      passErrors.add(e.toString()); // a pass that could not start
                      return false;
                    }
                  });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          throw new AssertionError(
              "no convergence within 90 s after the restart: "
                  + passErrors
                  + " "
                  + lastPass.get().failures(),
              e);
        }
      }
      ReconcileResult last = lastPass.get();
      int passes = passCount.get();
      Instant converged = Instant.now();
      assertThat(last.converged())
          .as(last.problems() + " " + last.failures() + " " + passErrors)
          .isTrue();
      assertThat(status.get().values().iterator().next().getImages())
          .allMatch(i -> i.getState() == ImageState.Present);
      List<String> names = containerd.imageNames();
      for (ImageReference r : refs) {
        assertThat(names).contains(r.canonical());
      }
      ReconcileResult steady = reconciler.reconcile(m.specs(), status.get());
      assertThat(steady.calls().mutating()).isZero();
      record(
          String.join(
              "\t",
              "cri-restart",
              "cri",
              String.valueOf(run),
              "converged=" + last.converged(),
              "passes=" + passes,
              "restartMs=" + Duration.between(restart, back).toMillis(),
              "firstPassFailed=" + first.hasFailures(),
              "passErrors=" + passErrors,
              "ttcMs="
                  + Duration.between(first.hasFailures() ? firstEnd : back, converged).toMillis(),
              "lost=0",
              failure.replaceAll("\\s+", " ")));
      for (ImageReference r : refs) {
        new CriImagePort(runtime).remove(r.canonical());
      }
    }
  }

  private static void record(String line) throws IOException {
    System.out.println("FAULT-FIGURE\t" + line);
    Path figures = Path.of("target", "fault-figures.tsv");
    Files.createDirectories(figures.getParent());
    Files.writeString(
        figures,
        line + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }
}
