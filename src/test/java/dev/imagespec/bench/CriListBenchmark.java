package dev.imagespec.bench;

import dev.imagespec.engine.cri.CriClient;
import dev.imagespec.engine.cri.CriImage;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.engine.cri.v1.Image;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Listing the 1,000 images of containerd's {@code k8s.io} namespace ({@link
 * CriBench#ensureImages}):
 *
 * <ul>
 *   <li>in-process: {@code CriRuntime.list()} in steady state (its label cache warm, so one
 *       ListImages) against a bare {@code CriClient.listImages()} (one gRPC call and the protobuf
 *       decoding: the floor);
 *   <li>whole process: {@code java -jar target/imagespec.jar images ls -q --runtime cri --host ...}
 *       against {@code ctr -n k8s.io images ls -q}.
 * </ul>
 *
 * <p>Each pair is warmed up, then interleaved with a rotating start; figures are medians. {@code
 * java -cp ... CriListBenchmark [target/imagespec.jar]}. The images stay with {@code
 * -Dbench.keep=true}.
 */
public final class CriListBenchmark {
  private static final int IN_PROCESS_RUNS = Integer.getInteger("bench.runs", 31);
  private static final int PROCESS_RUNS = Integer.getInteger("bench.processRuns", 11);

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args.length > 0 ? args[0] : "target/imagespec.jar");
    CriBench.ensureImages();
    try {
      run(jar);
    } finally {
      if (!CriBench.keep()) {
        CriBench.removeImages();
      }
    }
  }

  private static void run(Path jar) throws Exception {
    String host = CriBench.criHost();
    CriBench.Counted counted = CriBench.countingRuntime(host, Duration.ofMinutes(5));
    try (CriRuntime runtime = counted.runtime();
        CriClient bare = CriClient.connect(host)) {
      System.out.printf(
          "cri-list: %d cores, %s, Java %s%n",
          Runtime.getRuntime().availableProcessors(),
          runtime.info().describe(),
          System.getProperty("java.version"));
      long t0 = System.nanoTime();
      List<CriImage> cold = runtime.list();
      System.out.printf(
          "  first CriRuntime.list() (cold: one verbose ImageStatus per image ID): %d images in"
              + " %.0f ms, gRPC calls %s%n",
          cold.size(), (System.nanoTime() - t0) / 1e6, counted.summary());

      coldAlternative(host, cold.size());

      CriBench.Times imagespec = new CriBench.Times("CriRuntime.list()");
      CriBench.Times floor = new CriBench.Times("bare CriClient.listImages()");
      for (int i = 0; i < 10; i++) {
        runtime.list();
        bare.listImages();
      }
      counted.reset();
      int n = 0;
      int m = 0;
      for (int r = 0; r < IN_PROCESS_RUNS; r++) {
        for (int k = 0; k < 2; k++) {
          if ((r + k) % 2 == 0) {
            long s = System.nanoTime();
            n = runtime.list().size();
            imagespec.add(System.nanoTime() - s);
          } else {
            long s = System.nanoTime();
            List<Image> l = bare.listImages();
            floor.add(System.nanoTime() - s);
            m = l.size();
          }
        }
      }
      System.out.printf(
          "  steady state: %d images (bare: %d); CriRuntime's gRPC calls over %d lists: %s%n",
          n, m, IN_PROCESS_RUNS, counted.summary());
      System.out.println("  " + imagespec.describe());
      System.out.println("  " + floor.describe());
      double inRatio = imagespec.medianMs() / floor.medianMs();
      System.out.printf("  in-process: CriRuntime.list() / bare gRPC = %.2fx%n", inRatio);

      // whole process
      List<String> java = new ArrayList<>();
      java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      java.addAll(
          List.of(
              "-jar", jar.toString(), "images", "ls", "-q", "--runtime", "cri", "--host", host));
      List<String> ctr =
          List.of("ctr", "--address", CriBench.socket(), "-n", "k8s.io", "images", "ls", "-q");
      List<String> jvm = new ArrayList<>(java.subList(0, 3));
      jvm.add("--version");
      CriBench.Result js = CriBench.run(java, false);
      CriBench.Result cs = CriBench.run(ctr, false);
      if (js.exit() != 0 || cs.exit() != 0) {
        throw new IllegalStateException(
            "imagespec exit " + js.exit() + ": " + tail(js) + "; ctr exit " + cs.exit());
      }
      System.out.printf(
          "  whole process: imagespec prints %d lines (first: %s), ctr %d lines (image records:"
              + " names, digest references and IDs)%n",
          js.output().lines().count(),
          js.output().lines().findFirst().orElse(""),
          cs.output().lines().count());
      CriBench.Times cli = new CriBench.Times("java -jar imagespec.jar images ls -q");
      CriBench.Times ctrTimes = new CriBench.Times("ctr -n k8s.io images ls -q");
      CriBench.Times jvmTimes = new CriBench.Times("java -jar imagespec.jar --version (JVM start)");
      List<List<String>> cmds = List.of(java, ctr, jvm);
      List<CriBench.Times> all = List.of(cli, ctrTimes, jvmTimes);
      for (int i = 0; i < 2; i++) {
        for (List<String> c : cmds) {
          CriBench.run(c, true);
        }
      }
      for (int r = 0; r < PROCESS_RUNS; r++) {
        for (int k = 0; k < cmds.size(); k++) {
          int which = (r + k) % cmds.size();
          long s = System.nanoTime();
          CriBench.Result res = CriBench.run(cmds.get(which), true);
          long t = System.nanoTime() - s;
          if (res.exit() != 0) {
            throw new IllegalStateException(all.get(which).name + " failed");
          }
          all.get(which).add(t);
        }
      }
      for (CriBench.Times t : all) {
        System.out.println("  " + t.describe());
      }
      System.out.printf(
          "  whole process: imagespec / ctr = %.2fx%n", cli.medianMs() / ctrTimes.medianMs());
      System.out.println();
      System.out.println("| row | imagespec | floor / ctr | ratio |");
      System.out.println("| --- | --- | --- | --- |");
      System.out.printf(
          "| in-process list, %d images | %.1f ms | bare gRPC %.1f ms | %.2fx |%n",
          n, imagespec.medianMs(), floor.medianMs(), inRatio);
      System.out.printf(
          "| process, `images ls -q` | %.0f ms | ctr %.0f ms | %.2fx |%n",
          cli.medianMs(), ctrTimes.medianMs(), cli.medianMs() / ctrTimes.medianMs());
      System.out.printf(
          "| process, `--version` (JVM start, no runtime call) | %.0f ms | ctr ls %.0f ms | %.2fx |%n",
          jvmTimes.medianMs(), ctrTimes.medianMs(), jvmTimes.medianMs() / ctrTimes.medianMs());
    }
  }

  /**
   * What a cold list could cost: the same 1 ListImages + one verbose ImageStatus per image ID that
   * {@code CriRuntime.list()} makes one after the other, here with up to 16 calls in flight on the
   * one HTTP/2 connection (async stub). Not imagespec's code: a measure of the room for it.
   */
  private static void coldAlternative(String host, int expected) throws Exception {
    io.grpc.ManagedChannel channel = CriBench.channel(host);
    try {
      var blocking = dev.imagespec.engine.cri.v1.ImageServiceGrpc.newBlockingStub(channel);
      var async = dev.imagespec.engine.cri.v1.ImageServiceGrpc.newFutureStub(channel);
      blocking.listImages(dev.imagespec.engine.cri.v1.ListImagesRequest.getDefaultInstance());
      for (int round = 0; round < 2; round++) {
        long t0 = System.nanoTime();
        List<Image> images =
            blocking
                .listImages(dev.imagespec.engine.cri.v1.ListImagesRequest.getDefaultInstance())
                .getImagesList();
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(16);
        List<com.google.common.util.concurrent.ListenableFuture<?>> all = new ArrayList<>();
        for (Image i : images) {
          inFlight.acquire();
          var f =
              async.imageStatus(
                  dev.imagespec.engine.cri.v1.ImageStatusRequest.newBuilder()
                      .setImage(
                          dev.imagespec.engine.cri.v1.ImageSpec.newBuilder().setImage(i.getId()))
                      .setVerbose(true)
                      .build());
          f.addListener(inFlight::release, Runnable::run);
          all.add(f);
        }
        for (var f : all) {
          f.get();
        }
        System.out.printf(
            "  cold-list alternative (not imagespec's code), round %d: 1 ListImages + %d verbose"
                + " ImageStatus with 16 in flight: %.0f ms%n",
            round + 1, images.size(), (System.nanoTime() - t0) / 1e6);
        if (images.size() != expected) {
          System.out.printf("    (%d images now, %d before)%n", images.size(), expected);
        }
      }
    } finally {
      channel.shutdownNow();
    }
  }

  private static String tail(CriBench.Result r) {
    String o = r.output().strip();
    return o.length() > 400 ? o.substring(o.length() - 400) : o;
  }
}
