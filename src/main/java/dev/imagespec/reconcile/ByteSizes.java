package dev.imagespec.reconcile;

import java.util.Locale;

/** Human-readable sizes with SI units, as Docker prints them ({@code 4.26MB}). */
public final class ByteSizes {
  private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};

  private ByteSizes() {}

  public static String format(long bytes) {
    if (bytes < 1000) {
      return bytes + "B";
    }
    double v = bytes;
    int u = 0;
    while (v >= 1000 && u < UNITS.length - 1) {
      v /= 1000;
      u++;
    }
    String s = String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    if (s.contains(".")) {
      s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
    return s + UNITS[u];
  }
}
