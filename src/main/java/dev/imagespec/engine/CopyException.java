package dev.imagespec.engine;

/**
 * A {@link RegistryCopy} failed on one side: the message starts with {@code source REF:} or {@code
 * target REF:}, and ends, for a refusal (401/403), with which side's credentials to check. The
 * original error is the cause.
 */
public class CopyException extends EngineException {

  /** Which registry of a copy failed. */
  public enum Side {
    SOURCE,
    TARGET;

    /** {@code source} or {@code target}, as messages say it. */
    public String word() {
      return this == SOURCE ? "source" : "target";
    }
  }

  private final Side side;
  private final int status;

  public CopyException(Side side, int status, String message, Throwable cause) {
    super(message, cause);
    this.side = side;
    this.status = status;
  }

  public Side side() {
    return side;
  }

  /** The registry's HTTP status (404 for a missing image or blob), or 0 when it gave none. */
  public int status() {
    return status;
  }

  /** True when the side's registry refused the credentials or their rights (401/403). */
  public boolean unauthorized() {
    return status == 401 || status == 403;
  }

  /** True when the side's registry could not be reached (worth a retry). */
  public boolean unavailable() {
    return getCause() instanceof EngineUnavailableException;
  }
}
