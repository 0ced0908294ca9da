package dev.imagespec.bench;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.Image;
import dev.imagespec.engine.ImportOptions;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.EngineImagePort;
import dev.imagespec.reconcile.LocalImage;
import dev.imagespec.reconcile.Plan;
import dev.imagespec.reconcile.PlanInput;
import dev.imagespec.reconcile.Planner;
import dev.imagespec.reconcile.ReconcileOptions;
import dev.imagespec.reconcile.ReconcileResult;
import dev.imagespec.reconcile.Reconciler;
import dev.imagespec.spec.ManifestLoader;
import dev.imagespec.spec.Manifests;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code plan} over 200 specs x 5 images, all present on a real dockerd: engine requests of one
 * dry-run pass, and the time the planning itself takes (excluding JVM start and the engine list).
 * Run by {@code scripts/bench}; the targets are at most 3 engine requests, zero mutating calls,
 * planning under 50 ms.
 */
public final class PlanBenchmark {
  private static final int SPECS = 200;
  private static final int IMAGES = 5;

  public static void main(String[] args) throws Exception {
    String host = System.getenv("IMAGESPEC_TEST_DOCKER_HOST");
    String registry = System.getenv("IMAGESPEC_TEST_REGISTRY");
    Path rootfs = Path.of(System.getenv("IMAGESPEC_TEST_ROOTFS"));
    try (EngineClient client = EngineClient.builder().host(host).build()) {
      Image base =
          client
              .images()
              .importImage(
                  rootfs,
                  ImportOptions.builder().repository(registry + "/bench/base").tag("1").build());
      StringBuilder yaml = new StringBuilder();
      for (int s = 0; s < SPECS; s++) {
        yaml.append("apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\nmetadata:\n  name: s")
            .append(s)
            .append("\nspec:\n  images:\n");
        for (int i = 0; i < IMAGES; i++) {
          String repo = registry + "/bench/s" + s + "/img" + i;
          client.images().tag(base.id(), repo, "1", false);
          yaml.append("    - image: ").append(repo).append(":1\n");
        }
        yaml.append("---\n");
      }
      Manifests m = new ManifestLoader().loadString("bench.yaml", yaml.toString());
      if (m.hasErrors()) {
        throw new IllegalStateException(m.errors().toString());
      }
      CredentialResolver none = (ns, names, domain) -> Optional.empty();
      EngineImagePort port = new EngineImagePort(client);
      Reconciler reconciler =
          new Reconciler(port, none, ReconcileOptions.defaults().withDryRun(true));

      ReconcileResult first = reconciler.reconcile(m.specs(), Map.of());
      List<LocalImage> images = port.listImages();
      for (int i = 0; i < 20; i++) {
        Planner.plan(PlanInput.of(m.specs(), images, Instant.now()));
      }
      int runs = 50;
      long best = Long.MAX_VALUE;
      long total = 0;
      Plan plan = null;
      for (int i = 0; i < runs; i++) {
        long t0 = System.nanoTime();
        plan = Planner.plan(PlanInput.of(m.specs(), images, Instant.now()));
        long t = System.nanoTime() - t0;
        best = Math.min(best, t);
        total += t;
      }
      long t0 = System.nanoTime();
      ReconcileResult pass = reconciler.reconcile(m.specs(), Map.of());
      long passNanos = System.nanoTime() - t0;

      System.out.printf(
          "plan: %d specs x %d images, all present (%d local images)%n",
          SPECS, IMAGES, images.size());
      System.out.printf(
          "  engine requests in one pass: %d (port calls: %s), mutating: %d, planned actions: %d%n",
          pass.calls().engineRequests(),
          pass.calls(),
          pass.calls().mutating(),
          plan.actions().size());
      System.out.printf(
          "  planning: best %.1f ms, mean %.1f ms over %d runs; whole dry-run pass incl. the"
              + " engine list: %.1f ms%n",
          best / 1e6, total / 1e6 / runs, runs, passNanos / 1e6);
      boolean ok =
          first.calls().engineRequests() <= 3
              && pass.calls().mutating() == 0
              && plan.actions().isEmpty()
              && best / 1e6 < 50;
      System.out.println(
          "  targets (<= 3 requests, 0 mutating, converged, < 50 ms): " + (ok ? "met" : "MISSED"));
    }
  }
}
