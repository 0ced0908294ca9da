package dev.imagespec.engine.cri;

/**
 * What a CRI runtime says of itself.
 *
 * @param name runtime name, e.g. {@code containerd}, {@code cri-o}
 * @param version runtime version, e.g. {@code 1.6.20} (a leading {@code v} dropped)
 * @param criApiVersion the CRI API version, e.g. {@code v1}
 * @param host {@code unix:///path} of its socket
 * @param nativeApi containerd's own API answers on the same socket (tag, untag, labels, push,
 *     events); false on CRI-O or when it is unreachable
 */
public record RuntimeInfo(
    String name, String version, String criApiVersion, String host, boolean nativeApi) {
  /** {@code containerd 1.6.20 (cri v1)}. */
  public String describe() {
    return name + " " + version + " (cri " + criApiVersion + ")";
  }
}
