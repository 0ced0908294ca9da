package dev.imagespec.bench;

import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.CriImagePort;
import dev.imagespec.reconcile.LocalImage;
import dev.imagespec.reconcile.Plan;
import dev.imagespec.reconcile.PlanInput;
import dev.imagespec.reconcile.Planner;
import dev.imagespec.reconcile.ReconcileOptions;
import dev.imagespec.reconcile.ReconcileResult;
import dev.imagespec.reconcile.Reconciler;
import dev.imagespec.spec.ManifestLoader;
import dev.imagespec.spec.Manifests;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code plan} over 200 specs x 5 images, all present in containerd's {@code k8s.io} namespace
 * (1,000 distinct images, {@link CriBench#ensureImages}), through {@link CriImagePort}: the port
 * calls and the gRPC calls (counted by method on the channel) of a dry-run pass, first with a cold
 * {@code CriRuntime} and then in steady state, and the time the planning itself takes. Targets:
 * steady state exactly 1 ListImages and nothing else, 0 mutating, planning under 50 ms.
 *
 * <p>The images stay when {@code -Dbench.keep=true} (for {@link CriListBenchmark}).
 */
public final class CriPlanBenchmark {
  public static void main(String[] args) throws Exception {
    List<String> refs = CriBench.ensureImages();
    try {
      run(refs);
    } finally {
      if (!CriBench.keep()) {
        CriBench.removeImages();
      }
    }
  }

  private static void run(List<String> refs) throws Exception {
    StringBuilder yaml = new StringBuilder();
    for (int s = 0; s < CriBench.SPECS; s++) {
      yaml.append("apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\nmetadata:\n  name: s")
          .append(s)
          .append("\nspec:\n  images:\n");
      for (int i = 0; i < CriBench.IMAGES_PER_SPEC; i++) {
        yaml.append("    - image: ").append(CriBench.reference(s, i)).append("\n");
      }
      yaml.append("---\n");
    }
    Manifests m = new ManifestLoader().loadString("bench.yaml", yaml.toString());
    if (m.hasErrors()) {
      throw new IllegalStateException(m.errors().toString());
    }
    CredentialResolver none = (ns, names, domain) -> Optional.empty();
    CriBench.Counted counted = CriBench.countingRuntime(CriBench.criHost(), Duration.ofMinutes(5));
    try (var runtime = counted.runtime()) {
      CriImagePort port = new CriImagePort(runtime);
      System.out.printf(
          "cri-plan: %d specs x %d images on %s%n",
          CriBench.SPECS, CriBench.IMAGES_PER_SPEC, port.describe());
      Reconciler reconciler =
          new Reconciler(port, none, ReconcileOptions.defaults().withDryRun(true));

      counted.reset();
      long c0 = System.nanoTime();
      ReconcileResult first = reconciler.reconcile(m.specs(), Map.of());
      long coldNanos = System.nanoTime() - c0;
      System.out.printf(
          "  first pass (cold CriRuntime: labels and created time of each image ID fetched once):"
              + " %.0f ms, port calls %s, gRPC calls %d %s%n",
          coldNanos / 1e6, first.calls(), counted.total(), counted.summary());

      List<LocalImage> images = port.listImages();
      long present =
          refs.stream()
              .filter(r -> images.stream().anyMatch(i -> i.repoTags().contains(r)))
              .count();
      for (int i = 0; i < 20; i++) {
        Planner.plan(PlanInput.of(m.specs(), images, Instant.now()));
      }
      int runs = 51;
      long[] t = new long[runs];
      Plan plan = null;
      for (int i = 0; i < runs; i++) {
        long t0 = System.nanoTime();
        plan = Planner.plan(PlanInput.of(m.specs(), images, Instant.now()));
        t[i] = System.nanoTime() - t0;
      }
      java.util.Arrays.sort(t);
      double best = t[0] / 1e6;
      double median = t[runs / 2] / 1e6;
      double mean = java.util.Arrays.stream(t).average().orElseThrow() / 1e6;

      // steady state: several passes, each counted on its own
      CriBench.Times passes = new CriBench.Times("steady dry-run pass incl. ListImages");
      ReconcileResult pass = null;
      int grpc = 0;
      String grpcSummary = "";
      boolean exactlyOne = true;
      for (int i = 0; i < 11; i++) {
        counted.reset();
        long t0 = System.nanoTime();
        pass = reconciler.reconcile(m.specs(), Map.of());
        passes.add(System.nanoTime() - t0);
        grpc = counted.total();
        grpcSummary = counted.summary();
        exactlyOne &=
            grpc == 1 && counted.calls().keySet().stream().allMatch(k -> k.endsWith("/ListImages"));
      }

      System.out.printf(
          "  %d local images (distinct IDs), %d of the %d declared references present%n",
          images.size(), present, refs.size());
      System.out.printf(
          "  steady pass: port calls %s, mutating %d, planned actions %d; gRPC calls %d %s"
              + " (every one of 11 passes exactly 1 ListImages: %s)%n",
          pass.calls(),
          pass.calls().mutating(),
          plan.actions().size(),
          grpc,
          grpcSummary,
          exactlyOne);
      System.out.printf(
          "  planning: best %.1f ms, median %.1f ms, mean %.1f ms over %d runs; %s%n",
          best, median, mean, runs, passes.describe());
      boolean ok =
          exactlyOne
              && pass.calls().listImages() == 1
              && pass.calls().engineRequests() == 1
              && pass.calls().mutating() == 0
              && plan.actions().isEmpty()
              && present == refs.size()
              && median < 50;
      System.out.println(
          "  targets (1 ListImages, 0 mutating, converged, planning < 50 ms): "
              + (ok ? "met" : "MISSED"));
    }
  }
}
