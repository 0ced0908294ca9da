package dev.imagespec.bench;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * A tar with one file of {@code size} random (incompressible) bytes, generated as it is read: the
 * 300 MiB image of the save benchmark is imported from it without ever holding it in memory.
 */
public final class RandomTar extends InputStream {
  private final byte[] header;
  private final long size;
  private final long total;
  private final SplittableRandom random;
  private long pos;
  private long word;
  private int wordLeft;

  RandomTar(String name, long size) {
    this(name, size, 42);
  }

  /** With its own seed: another seed, other bytes (another layer digest). */
  public RandomTar(String name, long size, long seed) {
    this.random = new SplittableRandom(seed);
    this.size = size;
    this.header = ustarHeader(name, size);
    long padded = (size + 511) / 512 * 512;
    this.total = header.length + padded + 1024; // two zero blocks end the archive
  }

  /** Bytes the stream yields in all. */
  public long length() {
    return total;
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buf, int off, int len) {
    if (pos >= total) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    int n = (int) Math.min(len, total - pos);
    int i = 0;
    while (i < n) {
      long p = pos + i;
      if (p < header.length) {
        int k = (int) Math.min(n - i, header.length - p);
        System.arraycopy(header, (int) p, buf, off + i, k);
        i += k;
      } else if (p < header.length + size) {
        int k = (int) Math.min(n - i, header.length + size - p);
        for (int j = 0; j < k; j++) {
          if (wordLeft == 0) {
            word = random.nextLong();
            wordLeft = 8;
          }
          buf[off + i + j] = (byte) word;
          word >>>= 8;
          wordLeft--;
        }
        i += k;
      } else {
        int k = n - i;
        java.util.Arrays.fill(buf, off + i, off + i + k, (byte) 0);
        i += k;
      }
    }
    pos += n;
    return n;
  }

  /** A POSIX ustar header for a regular file, mode 0644, owned by root. */
  static byte[] ustarHeader(String name, long size) {
    byte[] h = new byte[512];
    put(h, 0, 100, name);
    put(h, 100, 8, "0000644");
    put(h, 108, 8, "0000000");
    put(h, 116, 8, "0000000");
    put(h, 124, 12, String.format("%011o", size));
    put(h, 136, 12, String.format("%011o", 1_700_000_000L));
    java.util.Arrays.fill(h, 148, 156, (byte) ' ');
    h[156] = '0';
    put(h, 257, 6, "ustar");
    put(h, 263, 2, "00");
    int sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, 8, String.format("%06o", sum));
    h[154] = 0;
    h[155] = ' ';
    return h;
  }

  private static void put(byte[] h, int off, int len, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, Math.min(len, b.length));
  }
}
