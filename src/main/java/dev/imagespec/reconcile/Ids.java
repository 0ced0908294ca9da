package dev.imagespec.reconcile;

/**
 * Image IDs as compared and shown: Docker reports {@code sha256:<hex>}, Podman sometimes the bare
 * hex; shown like the Docker CLI, 12 hex digits without the algorithm.
 */
public final class Ids {
  private Ids() {}

  /** The ID without {@code sha256:}, or null. */
  public static String norm(String id) {
    if (id == null) {
      return null;
    }
    return id.startsWith("sha256:") ? id.substring("sha256:".length()) : id;
  }

  /** Whether two IDs name the same image, whatever their form; false when either is null. */
  public static boolean same(String a, String b) {
    return a != null && b != null && norm(a).equals(norm(b));
  }

  /** The first 12 hex digits ({@code docker images}' IMAGE ID), or {@code ?} for null. */
  public static String shortId(String id) {
    String n = norm(id);
    return n == null ? "?" : n.length() > 12 ? n.substring(0, 12) : n;
  }
}
