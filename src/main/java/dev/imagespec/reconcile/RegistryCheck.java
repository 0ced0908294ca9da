package dev.imagespec.reconcile;

import dev.imagespec.engine.ImageReference;
import java.util.List;

/**
 * A registry digest lookup the planner needs: the current digest of {@code reference}, asked with
 * the credentials of {@code secretNames} in {@code namespace}.
 *
 * @param reference tag reference to look up
 * @param namespace namespace of the Secrets
 * @param secretNames Secrets to try, in order
 * @param purpose why: a {@code pullPolicy: Always} refresh, or a push target verification
 */
public record RegistryCheck(
    ImageReference reference, String namespace, List<String> secretNames, Purpose purpose) {
  /** Why the registry is asked. */
  public enum Purpose {
    PULL,
    PUSH
  }

  public RegistryCheck {
    secretNames = secretNames == null ? List.of() : List.copyOf(secretNames);
  }

  /** The key of the answer in {@link PlanInput#registry()}: the canonical reference. */
  public String key() {
    return reference.canonical();
  }
}
