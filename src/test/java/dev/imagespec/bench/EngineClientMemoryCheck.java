package dev.imagespec.bench;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.Image;
import dev.imagespec.engine.ImageArchive;
import dev.imagespec.engine.SaveOptions;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The constant-memory claim of save and load, on the large image {@link EngineClientBenchmark}
 * leaves behind: run in its own JVM with a small heap ({@code scripts/bench} uses {@code -Xmx64m}),
 *
 * <pre>
 * java -Xmx64m -cp ... dev.imagespec.bench.EngineClientMemoryCheck unix:///DIR/docker.sock bench/big:large DIR
 * </pre>
 *
 * it saves the image to a discarding stream, saves it to a file in DIR, removes the image, loads
 * the file back (same ID, same tag), then pipes a save straight into a load, and prints the heap's
 * high-water mark: the JVM's own per-pool peaks (summed, so an upper bound). Exits non-zero when
 * anything fails (an {@link OutOfMemoryError} included).
 */
public final class EngineClientMemoryCheck {
  private EngineClientMemoryCheck() {}

  public static void main(String[] args) throws Exception {
    String host = args[0];
    String name = args.length > 1 ? args[1] : EngineClientBenchmark.BIG;
    Path dir = Path.of(args.length > 2 ? args[2] : System.getProperty("java.io.tmpdir"));
    List<MemoryPoolMXBean> heapPools =
        ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .toList();
    System.gc();
    heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
    Path file = dir.resolve("memcheck-save.tar");
    try (EngineClient c = EngineClient.builder().host(host).build()) {
      Image image = c.images().get(name);
      String id = image.id();

      long t0 = System.nanoTime();
      long bytes;
      try (ImageArchive a = c.images().save(List.of(name), SaveOptions.defaults())) {
        bytes = a.writeTo(OutputStream.nullOutputStream());
      }
      System.out.printf(
          "memory check: save %s (%.1f MiB) to a discarding stream: %.1f s%n",
          name, bytes / 1048576.0, secs(t0));

      t0 = System.nanoTime();
      try (ImageArchive a = c.images().save(List.of(name), SaveOptions.defaults())) {
        a.writeTo(file);
      }
      System.out.printf("memory check: save to %s: %.1f s%n", file, secs(t0));
      c.images().remove(name, false, false);
      if (c.images().exists(id)) {
        throw new IllegalStateException(id + " still exists after remove");
      }

      t0 = System.nanoTime();
      List<Image> loaded = c.images().load(file);
      Image back = c.images().get(name);
      if (!back.id().equals(id)) {
        throw new IllegalStateException("loaded " + back.id() + ", saved " + id);
      }
      System.out.printf(
          "memory check: load from the file (image removed first): %.1f s, %s back as %s%n",
          secs(t0), name, loaded.get(0).shortId());
      Files.delete(file);

      t0 = System.nanoTime();
      try (ImageArchive a = c.images().save(List.of(name), SaveOptions.defaults())) {
        List<Image> piped = c.images().load(a.stream());
        if (!piped.get(0).id().equals(id)) {
          throw new IllegalStateException("piped load gave " + piped.get(0).id());
        }
      }
      System.out.printf("memory check: save piped straight into load: %.1f s%n", secs(t0));
    } finally {
      Files.deleteIfExists(file);
    }
    long poolPeaks = heapPools.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    System.out.printf(
        "memory check: OK with max heap %d MiB; peak heap used %.1f MiB (sum of the JVM's per-pool"
            + " peaks); young/old collections: %s%n",
        Runtime.getRuntime().maxMemory() >> 20,
        poolPeaks / 1048576.0,
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(g -> g.getName() + " " + g.getCollectionCount())
            .toList());
  }

  private static double secs(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
