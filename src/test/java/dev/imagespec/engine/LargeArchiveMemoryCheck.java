package dev.imagespec.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.SplittableRandom;
import okio.Buffer;

/**
 * A manual check (not a unit test) that import, save and load stream rather than buffer: run it
 * with a small heap against a real engine, e.g.
 *
 * <pre>
 * java -Xmx64m -cp target/classes:target/test-classes:$(cat cp.txt) \
 *     dev.imagespec.engine.LargeArchiveMemoryCheck unix:///tmp/env/docker.sock 300
 * </pre>
 *
 * It imports a tarball of one file of N MiB of random bytes, generated on the fly, saves the image
 * to a counting sink, then pipes a second save straight into a load (the image removed in between),
 * and prints the heap high-water mark.
 */
public final class LargeArchiveMemoryCheck {
  private LargeArchiveMemoryCheck() {}

  public static void main(String[] args) throws Exception {
    String host = args[0];
    long mib = args.length > 1 ? Long.parseLong(args[1]) : 300;
    long size = mib << 20;
    HeapWatcher heap = new HeapWatcher();
    heap.start();
    try (EngineClient c = EngineClient.builder().host(host).build()) {
      Images images = c.images();
      String name = "memcheck/big:" + System.nanoTime();
      long t0 = System.nanoTime();
      Image image =
          images.importImage(
              new RandomTar(size),
              ImportOptions.builder()
                  .repository(name.substring(0, name.indexOf(':')))
                  .tag(name.substring(name.indexOf(':') + 1))
                  .build());
      System.out.printf("imported %s (%d MiB) in %.1fs%n", image.id(), mib, secs(t0));

      long t1 = System.nanoTime();
      long saved;
      try (ImageArchive archive = images.save(List.of(name), SaveOptions.defaults())) {
        saved = archive.writeTo(OutputStream.nullOutputStream());
      }
      System.out.printf("saved %d bytes in %.1fs%n", saved, secs(t1));

      // Save piped into load: the engine's export streams through this JVM into its import.
      try (ImageArchive archive = images.save(List.of(name), SaveOptions.defaults())) {
        images.remove(image.id(), true, false); // the export has its data open already
        long t2 = System.nanoTime();
        List<Image> loaded = images.load(archive.stream());
        System.out.printf("loaded %s in %.1fs%n", loaded, secs(t2));
      } catch (EngineException e) {
        // Removing an image while it is exported is engine-dependent; load from a second save.
        System.out.println("piped load: " + e.getMessage());
      }
      if (!images.exists(name)) {
        throw new IllegalStateException("the image did not come back");
      }
      images.remove(name, true, false);
    } finally {
      heap.interrupt();
    }
    System.out.printf(
        "max heap %d MiB, heap used high-water mark %d MiB%n",
        Runtime.getRuntime().maxMemory() >> 20, heap.max >> 20);
  }

  private static double secs(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  /** Samples the used heap every 10 ms. */
  static final class HeapWatcher extends Thread {
    volatile long max;

    HeapWatcher() {
      setDaemon(true);
    }

    @Override
    public void run() {
      Runtime r = Runtime.getRuntime();
      while (!isInterrupted()) {
        max = Math.max(max, r.totalMemory() - r.freeMemory());
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /** A tar with one file of {@code size} random bytes, generated as it is read. */
  static final class RandomTar extends InputStream {
    private final byte[] header;
    private final long size;
    private final long total;
    private final SplittableRandom random = new SplittableRandom(42);
    private long pos;

    RandomTar(long size) throws IOException {
      this.size = size;
      Buffer b = new Buffer();
      new TarWriter(b).fileHeader("big.bin", 0644, 0, size);
      this.header = b.readByteArray();
      long padded = (size + 511) / 512 * 512;
      this.total = header.length + padded + 1024;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buf, int off, int len) {
      if (pos >= total) {
        return -1;
      }
      int n = (int) Math.min(len, total - pos);
      for (int i = 0; i < n; i++) {
        long p = pos + i;
        if (p < header.length) {
          buf[off + i] = header[(int) p];
        } else if (p < header.length + size) {
          buf[off + i] = (byte) random.nextInt(256);
        } else {
          buf[off + i] = 0;
        }
      }
      pos += n;
      return n;
    }
  }
}
