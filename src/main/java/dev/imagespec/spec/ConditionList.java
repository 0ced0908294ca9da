package dev.imagespec.spec;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Optional;

/** Lookups in a status's {@code conditions}, shared by every status type that has them. */
public final class ConditionList {
  private ConditionList() {}

  /** The condition of that type, if any ({@code conditions} may be null). */
  public static Optional<Condition> find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return Optional.empty();
    }
    for (Condition c : conditions) {
      if (type.equals(c.getType())) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** True when the condition of that type exists and its status is {@code True}. */
  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }
}
