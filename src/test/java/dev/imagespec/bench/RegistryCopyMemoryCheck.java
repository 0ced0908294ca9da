package dev.imagespec.bench;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.CopyOptions;
import dev.imagespec.engine.CopyResult;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.RegistryCopy;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;

/**
 * The streamed claim of {@link RegistryCopy}: run in its own JVM with a small heap ({@link
 * RegistryCopyBenchmark} uses {@code -Xmx64m}),
 *
 * <pre>
 * java -Xmx64m -cp ... dev.imagespec.bench.RegistryCopyMemoryCheck SRC DST DIGEST
 * </pre>
 *
 * it copies SRC (plain registry) to DST (the htpasswd registry, credentials from {@code
 * IMAGESPEC_TEST_AUTH_USER}/{@code PASSWORD}), checks that DST serves DIGEST, and prints the heap's
 * high-water mark (the JVM's per-pool peaks, summed: an upper bound). Exits non-zero when anything
 * fails, an {@link OutOfMemoryError} included.
 */
public final class RegistryCopyMemoryCheck {
  private RegistryCopyMemoryCheck() {}

  public static void main(String[] args) {
    ImageReference src = ImageReference.parse(args[0]);
    ImageReference dst = ImageReference.parse(args[1]);
    String digest = args[2];
    AuthConfig creds =
        AuthConfig.basic(
            System.getenv("IMAGESPEC_TEST_AUTH_USER").trim(),
            System.getenv("IMAGESPEC_TEST_AUTH_PASSWORD").trim());
    List<MemoryPoolMXBean> heapPools =
        ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .toList();
    System.gc();
    heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
    RegistryClient client = RegistryClient.builder().build();
    long t0 = System.nanoTime();
    CopyResult r =
        new RegistryCopy(client).copy(src, dst, CopyOptions.defaults().withTargetAuth(creds));
    double secs = (System.nanoTime() - t0) / 1e9;
    if (!r.digest().equals(digest) || !client.digest(dst, creds).orElse("").equals(digest)) {
      throw new IllegalStateException("copied " + r.digest() + ", expected " + digest);
    }
    long poolPeaks = heapPools.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    System.out.printf(
        "memory check: copy of %.1f MiB (%d blobs) with max heap %d MiB: OK in %.1f s; peak heap"
            + " used %.1f MiB (sum of the JVM's per-pool peaks); collections: %s%n",
        r.bytesUploaded() / 1048576.0,
        r.blobsCopied(),
        Runtime.getRuntime().maxMemory() >> 20,
        secs,
        poolPeaks / 1048576.0,
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(g -> g.getName() + " " + g.getCollectionCount())
            .toList());
  }
}
