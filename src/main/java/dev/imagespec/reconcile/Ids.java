package dev.imagespec.reconcile;

/** Image ID helpers: Docker reports {@code sha256:<hex>}, Podman sometimes the bare hex. */
final class Ids {
  private Ids() {}

  static String norm(String id) {
    if (id == null) {
      return null;
    }
    return id.startsWith("sha256:") ? id.substring("sha256:".length()) : id;
  }

  static boolean same(String a, String b) {
    return a != null && b != null && norm(a).equals(norm(b));
  }

  static String shortId(String id) {
    String n = norm(id);
    return n == null ? "?" : n.length() > 12 ? n.substring(0, 12) : n;
  }
}
