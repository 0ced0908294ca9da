package dev.imagespec.operator;

import dev.imagespec.reconcile.ByteSizes;

/**
 * The disk guard's arithmetic: would pulling an image fill the image filesystem beyond {@code
 * --disk-high-percent}? Used space is counted as the kubelet's image GC counts it: capacity minus
 * available (so space reserved for root counts as used).
 *
 * @param highPercent the most of the filesystem's capacity that may be used after a pull (1..99)
 */
public record DiskGuard(int highPercent) {
  /** Below the kubelet's default {@code imageGCHighThresholdPercent} (85). */
  public static final int DEFAULT_HIGH_PERCENT = 80;

  public DiskGuard {
    String problem = highPercentProblem(highPercent);
    if (problem != null) {
      throw new IllegalArgumentException("disk high percent " + highPercent + ": " + problem);
    }
  }

  /** Null when {@code percent} is a valid {@code --disk-high-percent}, else why not. */
  public static String highPercentProblem(int percent) {
    return percent >= 1 && percent <= 99
        ? null
        : "must be between 1 and 99 (percent of the image filesystem's capacity; the kubelet's"
            + " image GC starts at 85 by default)";
  }

  /** The most bytes that may be used on a filesystem of {@code capacity} bytes. */
  long limit(long capacity) {
    return capacity / 100 * highPercent + capacity % 100 * highPercent / 100;
  }

  /**
   * Null when {@code imageBytes} more fit below the limit, else why the pull is refused and what to
   * do.
   *
   * @param image the reference to pull
   * @param fs the image filesystem's path (for the message)
   * @param capacity the filesystem's size in bytes
   * @param available bytes free for the runtime
   * @param reserved bytes of other pulls under way that this pass already let through
   * @param imageBytes the image's compressed size
   */
  String refusal(
      String image, String fs, long capacity, long available, long reserved, long imageBytes) {
    if (capacity <= 0 || imageBytes < 0) {
      return null;
    }
    long free = Math.max(0, Math.min(available, capacity));
    long used = capacity - free + Math.max(0, reserved);
    long after = used + imageBytes;
    long limit = limit(capacity);
    if (after <= limit) {
      return null;
    }
    long percent = (long) Math.ceil(after * 100.0 / capacity);
    return "refused by the disk guard: pulling "
        + image
        + " ("
        + ByteSizes.format(imageBytes)
        + " compressed) would fill the image filesystem "
        + fs
        + " to "
        + percent
        + "% ("
        + ByteSizes.format(used)
        + " used"
        + (reserved > 0 ? " incl. " + ByteSizes.format(reserved) + " of pulls under way" : "")
        + ", "
        + ByteSizes.format(free)
        + " free of "
        + ByteSizes.format(capacity)
        + "), above --disk-high-percent "
        + highPercent
        + " (limit "
        + ByteSizes.format(limit)
        + "): free space on the node, prune unused images (spec.prune), or raise"
        + " --disk-high-percent";
  }
}
