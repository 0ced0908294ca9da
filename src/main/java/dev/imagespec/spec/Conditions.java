package dev.imagespec.spec;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one toolkit for status conditions, used by every status builder (the reconciler's spec
 * status, the agent's ImageNode status, the aggregator's spec status): lookups, and setting a
 * condition so that {@code lastTransitionTime} only moves when its status flips (as Kubernetes'
 * {@code meta.SetStatusCondition}: a new reason, message or generation keeps the time).
 */
public final class Conditions {
  public static final String READY = "Ready";
  public static final String PROGRESSING = "Progressing";
  public static final String DEGRADED = "Degraded";

  private Conditions() {}

  /**
   * The condition of that type, if any ({@code conditions} may be null). With several of one type
   * (the API keys conditions by type, so only a hand-edited status has that) the first one counts.
   */
  public static Optional<Condition> find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return Optional.empty();
    }
    for (Condition c : conditions) {
      if (c != null && type.equals(c.getType())) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** True when the condition of that type exists and its status is {@code True}. */
  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  /**
   * A condition of {@code type}; its {@code lastTransitionTime} is the previous one's (the first of
   * that type in {@code previous}) when the status is unchanged and the previous one has a time,
   * else {@code now}.
   */
  public static Condition of(
      List<Condition> previous,
      String type,
      boolean value,
      String reason,
      String message,
      Long generation,
      Instant now) {
    String status = value ? "True" : "False";
    String transition =
        find(previous, type)
            .filter(c -> status.equals(c.getStatus()) && c.getLastTransitionTime() != null)
            .map(Condition::getLastTransitionTime)
            .orElse(time(now));
    Condition c = new Condition();
    c.setType(type);
    c.setStatus(status);
    c.setReason(reason);
    c.setMessage(message);
    c.setObservedGeneration(generation);
    c.setLastTransitionTime(transition);
    return c;
  }

  /** Conditions of a new status, timed against {@code previous} (may be null). */
  public static Builder against(List<Condition> previous, Long generation, Instant now) {
    return new Builder(previous, generation, now);
  }

  /** RFC 3339 at second precision, as the API server writes times; null for null. */
  public static String time(Instant t) {
    return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** The instant an RFC 3339 time in status names; null for null, empty or unreadable text. */
  public static Instant parseTime(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  /** At most {@code max} characters, for messages in status and events. */
  public static String shorten(String s, int max) {
    if (s == null || s.length() <= max) {
      return s;
    }
    return s.substring(0, max - 1) + "\u2026";
  }

  /** Collects the conditions of one status, in the order they are set. */
  public static final class Builder {
    private final List<Condition> previous;
    private final Long generation;
    private final Instant now;
    private final List<Condition> out = new ArrayList<>();

    private Builder(List<Condition> previous, Long generation, Instant now) {
      this.previous = previous;
      this.generation = generation;
      this.now = now;
    }

    public Builder set(String type, boolean value, String reason, String message) {
      out.add(of(previous, type, value, reason, message, generation, now));
      return this;
    }

    public Builder ready(boolean value, String reason, String message) {
      return set(READY, value, reason, message);
    }

    public Builder progressing(boolean value, String reason, String message) {
      return set(PROGRESSING, value, reason, message);
    }

    public Builder degraded(boolean value, String reason, String message) {
      return set(DEGRADED, value, reason, message);
    }

    /** The conditions set, as a mutable list. */
    public List<Condition> build() {
      return new ArrayList<>(out);
    }
  }
}
