package dev.imagespec.reconcile;

/**
 * What the registry said about a reference.
 *
 * @param kind found, missing (no such tag), denied (the registry refused these credentials; only
 *     asked for by access checks), error (unreachable, unauthorized, ...) or pending (an access
 *     check another process makes and has not answered yet; see {@link SharedAccess})
 * @param digest the digest when found
 * @param error the error message when the lookup failed; for pending, what is waited for
 * @param imageId the image ID (config digest) behind the digest, when asked for and known
 */
public record RegistryAnswer(Kind kind, String digest, String error, String imageId) {
  /** Outcome of a lookup. */
  public enum Kind {
    FOUND,
    MISSING,
    DENIED,
    ERROR,
    PENDING
  }

  public static RegistryAnswer found(String digest) {
    return new RegistryAnswer(Kind.FOUND, digest, null, null);
  }

  public static RegistryAnswer found(String digest, String imageId) {
    return new RegistryAnswer(Kind.FOUND, digest, null, imageId);
  }

  public static RegistryAnswer missing() {
    return new RegistryAnswer(Kind.MISSING, null, null, null);
  }

  public static RegistryAnswer denied(String message) {
    return new RegistryAnswer(Kind.DENIED, null, message, null);
  }

  public static RegistryAnswer error(String message) {
    return new RegistryAnswer(Kind.ERROR, null, message, null);
  }

  /** An access check nobody may make now: the shared verdict is awaited ({@link SharedAccess}). */
  public static RegistryAnswer pending(String message) {
    return new RegistryAnswer(Kind.PENDING, null, message, null);
  }
}
