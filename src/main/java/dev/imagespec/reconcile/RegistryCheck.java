package dev.imagespec.reconcile;

import dev.imagespec.engine.ImageReference;
import java.util.List;

/**
 * A registry lookup the planner needs: the current digest of {@code reference}, asked with the
 * credentials of {@code secretNames} in {@code namespace}.
 *
 * @param reference tag reference to look up ({@code repository@digest} for most access checks)
 * @param namespace namespace of the Secrets
 * @param secretNames Secrets to try, in order
 * @param purpose why: a {@code pullPolicy: Always} refresh, a push target verification, or an
 *     access check (can these credentials read this image?)
 * @param identity the credential identity asked for ({@link CredentialIdentities}); only for {@link
 *     Purpose#ACCESS}, else null
 */
public record RegistryCheck(
    ImageReference reference,
    String namespace,
    List<String> secretNames,
    Purpose purpose,
    String identity) {
  /** Why the registry is asked. */
  public enum Purpose {
    PULL,
    PUSH,
    ACCESS
  }

  public RegistryCheck {
    secretNames = secretNames == null ? List.of() : List.copyOf(secretNames);
  }

  public RegistryCheck(
      ImageReference reference, String namespace, List<String> secretNames, Purpose purpose) {
    this(reference, namespace, secretNames, purpose, null);
  }

  /** An access check of {@code reference} for {@code identity}. */
  static RegistryCheck access(
      ImageReference reference, String namespace, List<String> secretNames, String identity) {
    return new RegistryCheck(reference, namespace, secretNames, Purpose.ACCESS, identity);
  }

  /**
   * The key of the answer in {@link PlanInput#registry()}: the canonical reference; for an access
   * check prefixed with the identity it is asked for.
   */
  public String key() {
    return purpose == Purpose.ACCESS
        ? accessKey(identity, reference.canonical())
        : reference.canonical();
  }

  static String accessKey(String identity, String canonical) {
    return "access " + identity + " " + canonical;
  }

  @Override
  public String toString() {
    return "RegistryCheck[" + purpose + " " + reference.canonical() + " in " + namespace + "]";
  }
}
