package dev.imagespec.bench;

import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.ImportOptions;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.cri.CriClient;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.reconcile.CriImagePort;
import dev.imagespec.reconcile.LocalImage;
import dev.imagespec.testing.RandomTar;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Pulling a 300 MiB image (one layer of random, incompressible bytes, gzip as {@code docker push}
 * makes it) from the plain registry into containerd's {@code k8s.io} namespace, three ways on the
 * same containerd: imagespec ({@code CriImagePort.pull}: CRI PullImage and one verbose
 * ImageStatus), a bare CRI PullImage call ({@code CriClient.pullImage}: the floor of any CRI
 * client) and {@code ctr -n k8s.io images pull --plain-http} (which fetches in its own process and
 * writes the content through containerd's API). Target: imagespec at most 1.05x ctr's wall time.
 *
 * <p>Every pull downloads: each has an image of its own (same size, other random bytes), pushed
 * first through the test dockerd ({@code IMAGESPEC_TEST_DOCKER_HOST}) and removed from it. After
 * each pull the image is removed from containerd with {@code ctr images rm --sync} and the
 * benchmark waits until containerd's content and snapshot counts are back where they were, so no
 * garbage collection runs during the next pull. The three clients take turns, the first one
 * rotating. System properties {@code bench.pullRuns} (3) and {@code bench.bigMiB} (300).
 */
public final class CriPullBenchmark {
  private static final int RUNS = Integer.getInteger("bench.pullRuns", 3);
  private static final long BIG_MIB = Long.getLong("bench.bigMiB", 300);
  private static final List<String> CLIENTS = List.of("imagespec", "bare CRI", "ctr");

  public static void main(String[] args) throws Exception {
    String host = CriBench.criHost();
    String registry = CriBench.require("IMAGESPEC_TEST_REGISTRY");
    String docker = CriBench.require("IMAGESPEC_TEST_DOCKER_HOST");
    String unique = UUID.randomUUID().toString().substring(0, 8);
    int count = RUNS * CLIENTS.size();
    List<String> refs = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      refs.add(registry + "/cribench-pull-" + unique + "/big" + k + ":1");
    }
    prepare(docker, refs);

    CriBench.Counted counted = CriBench.countingRuntime(host, Duration.ofMinutes(10));
    try (CriRuntime runtime = counted.runtime();
        CriClient bare = CriClient.connect(host)) {
      CriImagePort port = new CriImagePort(runtime);
      System.out.printf(
          "cri-pull: %d cores, %s, %d MiB random layer, %d runs per client, Java %s%n",
          Runtime.getRuntime().availableProcessors(),
          port.describe(),
          BIG_MIB,
          RUNS,
          System.getProperty("java.version"));
      // warm the JVM paths (gRPC channel, protobuf classes) on calls that pull nothing
      runtime.list();
      bare.listImages();
      long[] base = counts();
      System.out.printf("  containerd before: %d content blobs, %d snapshots%n", base[0], base[1]);

      List<CriBench.Times> times = new ArrayList<>();
      for (String c : CLIENTS) {
        times.add(new CriBench.Times(c));
      }
      int k = 0;
      for (int r = 0; r < RUNS; r++) {
        for (int j = 0; j < CLIENTS.size(); j++) {
          int client = (r + j) % CLIENTS.size();
          String ref = refs.get(k++);
          counted.reset();
          long t0 = System.nanoTime();
          String id = pull(client, ref, port, bare);
          long t = System.nanoTime() - t0;
          times.get(client).add(t);
          long size = bare.imageStatus(ref).map(i -> i.getSize()).orElse(-1L);
          System.out.printf(
              "  run %d: %-9s %.0f ms  (%s, %.1f MiB in the image%s)%n",
              r + 1,
              CLIENTS.get(client),
              t / 1e6,
              id.substring(0, Math.min(19, id.length())),
              size / 1048576.0,
              client == 0 ? "; imagespec's gRPC calls " + counted.summary() : "");
          remove(ref, id, base);
        }
      }
      System.out.println();
      for (CriBench.Times t : times) {
        System.out.println("  " + t.describe());
      }
      double ours = times.get(0).medianMs();
      double floor = times.get(1).medianMs();
      double ctr = times.get(2).medianMs();
      System.out.printf(
          "  imagespec / ctr = %.2fx, imagespec / bare CRI = %.2fx, bare CRI / ctr = %.2fx%n",
          ours / ctr, ours / floor, floor / ctr);
      System.out.println(
          "  target (imagespec <= 1.05x ctr): " + (ours / ctr <= 1.05 ? "met" : "MISSED"));
    }
  }

  private static String pull(int client, String ref, CriImagePort port, CriClient bare)
      throws Exception {
    switch (client) {
      case 0 -> {
        LocalImage i = port.pull(ImageReference.parse(ref), null, null);
        return i.id();
      }
      case 1 -> {
        return bare.pullImage(ref, null, Duration.ofMinutes(10));
      }
      default -> {
        CriBench.Result res =
            CriBench.run(
                List.of(
                    "ctr",
                    "--address",
                    CriBench.socket(),
                    "-n",
                    "k8s.io",
                    "images",
                    "pull",
                    "--plain-http",
                    ref),
                true);
        if (res.exit() != 0) {
          throw new IllegalStateException("ctr pull " + ref + " exited " + res.exit());
        }
        // ctr's own record; the CRI plugin learns it from the image event
        Optional<String> id = Optional.empty();
        long deadline = System.nanoTime() + 10_000_000_000L;
        try (CriClient c = CriClient.connect(CriBench.criHost())) {
          while (id.isEmpty() && System.nanoTime() < deadline) {
            id = c.imageStatus(ref).map(i -> i.getId());
            if (id.isEmpty()) {
              java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
            }
          }
        }
        return id.orElse("?");
      }
    }
  }

  /** Every record of the image, then waits until containerd's GC has taken its content. */
  private static void remove(String ref, String id, long[] base) throws Exception {
    String repo = ref.substring(0, ref.lastIndexOf(':'));
    List<String> names = new ArrayList<>();
    for (String line : CriBench.ctr("images", "ls", "-q").output().split("\n")) {
      if (line.startsWith(repo + ":") || line.startsWith(repo + "@") || line.equals(id)) {
        names.add(line);
      }
    }
    List<String> args = new ArrayList<>(List.of("images", "rm", "--sync"));
    args.addAll(names);
    CriBench.Result rm = CriBench.ctr(args.toArray(String[]::new));
    if (rm.exit() != 0) {
      throw new IllegalStateException("ctr images rm " + names + ": " + rm.output());
    }
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .alias("containerd's content and snapshots back to " + base[0] + " / " + base[1])
        .until(
            () -> {
              long[] now = counts();
              return now[0] <= base[0] && now[1] <= base[1];
            });
  }

  /** containerd's content blobs and snapshots in k8s.io. */
  private static long[] counts() throws Exception {
    long content = CriBench.ctr("content", "ls", "-q").output().lines().count();
    long snapshots = CriBench.ctr("snapshots", "ls").output().lines().count() - 1;
    return new long[] {content, snapshots};
  }

  /** One image per pull: random layer (its own seed) imported into dockerd, pushed, removed. */
  private static void prepare(String docker, List<String> refs) throws Exception {
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (EngineClient engine = EngineClient.builder().host(docker).build()) {
      List<Future<?>> jobs = new ArrayList<>();
      for (int k = 0; k < refs.size(); k++) {
        String ref = refs.get(k);
        long seed = 1000 + k + System.nanoTime();
        jobs.add(
            pool.submit(
                () -> {
                  int colon = ref.lastIndexOf(':');
                  engine
                      .images()
                      .importImage(
                          new RandomTar("big.bin", BIG_MIB << 20, seed),
                          ImportOptions.builder()
                              .repository(ref.substring(0, colon))
                              .tag(ref.substring(colon + 1))
                              .build());
                  engine.images().push(ref, PushOptions.defaults(), null);
                  engine.images().remove(ref, true, false);
                  return null;
                }));
      }
      for (Future<?> j : jobs) {
        j.get();
      }
    } finally {
      pool.shutdown();
    }
    System.out.printf(
        "setup: %d images of %d MiB random bytes pushed to the registry through dockerd in"
            + " %.1f s%n",
        refs.size(), BIG_MIB, (System.nanoTime() - t0) / 1e9);
  }
}
