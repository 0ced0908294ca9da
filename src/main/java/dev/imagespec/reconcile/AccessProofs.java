package dev.imagespec.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When a credential identity ({@link CredentialIdentities}) was last shown to read an image at a
 * digest ({@code repository@digest}): by a registry manifest HEAD, or by pulling it. Thread-safe; a
 * front end keeps one for its process (the node agent, {@code apply --watch}) so converged passes
 * ask the registry once per identity and digest per {@code refreshInterval}.
 */
public final class AccessProofs {
  private final Map<String, Instant> proofs = new ConcurrentHashMap<>();

  /**
   * Proofs older than this are dropped when new ones come in, so a long-running agent does not keep
   * every digest it ever saw (a proof is only used within a spec's refresh interval).
   */
  static final Duration KEEP = Duration.ofDays(1);

  /** Records that {@code identity} read {@code repositoryDigest} at {@code at}. */
  public void record(String identity, String repositoryDigest, Instant at) {
    proofs.merge(key(identity, repositoryDigest), at, (a, b) -> a.isAfter(b) ? a : b);
    Instant oldest = at.minus(KEEP);
    proofs.values().removeIf(t -> t.isBefore(oldest));
  }

  /**
   * Whether {@code identity}, or anyone ({@link CredentialIdentities#ANONYMOUS}), was shown to read
   * {@code repositoryDigest} within {@code validity} before {@code now}.
   */
  public boolean proven(String identity, String repositoryDigest, Instant now, Duration validity) {
    return valid(CredentialIdentities.ANONYMOUS, repositoryDigest, now, validity)
        || valid(identity, repositoryDigest, now, validity);
  }

  /** How many proofs are held (for tests). */
  public int size() {
    return proofs.size();
  }

  private boolean valid(String identity, String repositoryDigest, Instant now, Duration validity) {
    Instant at = proofs.get(key(identity, repositoryDigest));
    return at != null && now.isBefore(at.plus(validity));
  }

  private static String key(String identity, String repositoryDigest) {
    return identity + " " + repositoryDigest;
  }

  @Override
  public String toString() {
    return "AccessProofs[" + proofs.size() + " proofs]";
  }
}
