package dev.imagespec.reconcile;

/**
 * The one way an exception becomes a message users read (statuses, events, CLI errors): its own
 * message, or its type's simple name when it has none, never {@code "null"}.
 */
public final class ErrorMessages {
  private ErrorMessages() {}

  public static String of(Throwable e) {
    if (e == null) {
      return "unknown error";
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
