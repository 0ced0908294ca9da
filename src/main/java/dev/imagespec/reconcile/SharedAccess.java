package dev.imagespec.reconcile;

import java.util.Optional;

/**
 * Answers to {@link RegistryCheck.Purpose#ACCESS} checks made elsewhere (the operator's aggregator
 * checks the registry once per cluster and publishes its verdicts), asked by the {@link Reconciler}
 * before it would ask the registry itself.
 */
@FunctionalInterface
public interface SharedAccess {
  /**
   * The answer to an access check, or empty to ask the registry as usual. A {@code FOUND}, {@code
   * DENIED} or {@code MISSING} answer counts as the registry's own; {@link RegistryAnswer#pending}
   * means nobody asks now: the entry waits for the shared verdict.
   */
  Optional<RegistryAnswer> answer(RegistryCheck check);

  /** No shared answers: every access check goes to the registry. */
  static SharedAccess none() {
    return check -> Optional.empty();
  }
}
