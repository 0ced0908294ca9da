package dev.imagespec.spec;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * A prune label filter: {@code key} (label set), {@code key=value}, {@code !key} (label not set),
 * {@code key!=value} (label not set, or set to another value).
 */
public record LabelFilter(String key, Op op, String value) {
  /** Kind of filter. */
  public enum Op {
    EXISTS,
    EQUALS,
    NOT_EXISTS,
    NOT_EQUALS
  }

  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*");

  /**
   * Parses a filter.
   *
   * @throws IllegalArgumentException naming the filter and the problem
   */
  public static LabelFilter parse(String text) {
    if (text == null || text.isBlank()) {
      throw invalid(text, "it is empty");
    }
    if (text.contains("\n")) {
      throw invalid(text, "it contains a line break");
    }
    if (text.startsWith("!")) {
      String key = text.substring(1);
      checkKey(text, key);
      return new LabelFilter(key, Op.NOT_EXISTS, null);
    }
    int ne = text.indexOf("!=");
    int eq = text.indexOf('=');
    if (ne >= 0 && ne < eq) {
      String key = text.substring(0, ne);
      checkKey(text, key);
      return new LabelFilter(key, Op.NOT_EQUALS, text.substring(ne + 2));
    }
    if (eq >= 0) {
      String key = text.substring(0, eq);
      checkKey(text, key);
      return new LabelFilter(key, Op.EQUALS, text.substring(eq + 1));
    }
    checkKey(text, text);
    return new LabelFilter(text, Op.EXISTS, null);
  }

  private static void checkKey(String text, String key) {
    if (key.isEmpty()) {
      throw invalid(text, "the label key is empty");
    }
    if (!KEY.matcher(key).matches()) {
      throw invalid(
          text, "label key '" + key + "' is not valid (letters, digits, '.', '_', '/', '-')");
    }
  }

  private static IllegalArgumentException invalid(String text, String why) {
    return new IllegalArgumentException(
        "invalid label filter '"
            + text
            + "': "
            + why
            + " (use key, key=value, !key or key!=value)");
  }

  /** True when the labels satisfy this filter. */
  public boolean matches(Map<String, String> labels) {
    Map<String, String> l = labels == null ? Map.of() : labels;
    return switch (op) {
      case EXISTS -> l.containsKey(key);
      case NOT_EXISTS -> !l.containsKey(key);
      case EQUALS -> l.containsKey(key) && value.equals(l.get(key));
      case NOT_EQUALS -> !(l.containsKey(key) && value.equals(l.get(key)));
    };
  }

  @Override
  public String toString() {
    return switch (op) {
      case EXISTS -> key;
      case NOT_EXISTS -> "!" + key;
      case EQUALS -> key + "=" + value;
      case NOT_EQUALS -> key + "!=" + value;
    };
  }
}
