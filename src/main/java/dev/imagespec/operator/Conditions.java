package dev.imagespec.operator;

import dev.imagespec.spec.ConditionList;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Keycloak-style conditions: lastTransitionTime only moves when the status flips. */
final class Conditions {
  private Conditions() {}

  /**
   * A condition of {@code type}; its {@code lastTransitionTime} is the previous one's when the
   * status is unchanged, else {@code now}.
   */
  static Condition of(
      List<Condition> previous,
      String type,
      boolean value,
      String reason,
      String message,
      Long generation,
      Instant now) {
    String status = value ? "True" : "False";
    String transition = time(now);
    if (previous != null) {
      for (Condition c : previous) {
        if (type.equals(c.getType())
            && status.equals(c.getStatus())
            && c.getLastTransitionTime() != null) {
          transition = c.getLastTransitionTime();
        }
      }
    }
    Condition c = new Condition();
    c.setType(type);
    c.setStatus(status);
    c.setReason(reason);
    c.setMessage(message);
    c.setObservedGeneration(generation);
    c.setLastTransitionTime(transition);
    return c;
  }

  static boolean isTrue(List<Condition> conditions, String type) {
    return ConditionList.isTrue(conditions, type);
  }

  static java.util.Optional<Condition> find(List<Condition> conditions, String type) {
    return ConditionList.find(conditions, type);
  }

  static String time(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** At most {@code max} characters, for messages in status and events. */
  static String shorten(String s, int max) {
    if (s == null || s.length() <= max) {
      return s;
    }
    return s.substring(0, max - 1) + "\u2026";
  }
}
