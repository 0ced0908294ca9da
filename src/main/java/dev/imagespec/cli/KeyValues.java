package dev.imagespec.cli;

import dev.imagespec.spec.LabelFilter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code KEY=VALUE} option values. */
final class KeyValues {
  private KeyValues() {}

  /** Parses each {@code KEY=VALUE}; a missing {@code =} or empty key is a usage error. */
  static Map<String, String> parse(List<String> values, String option) {
    Map<String, String> out = new LinkedHashMap<>();
    if (values == null) {
      return out;
    }
    for (String v : values) {
      Map.Entry<String, String> e = entry(v, option);
      out.put(e.getKey(), e.getValue());
    }
    return out;
  }

  /** One {@code KEY=VALUE} (keys may repeat across values, e.g. filters). */
  static Map.Entry<String, String> entry(String value, String option) {
    int eq = value.indexOf('=');
    if (eq <= 0) {
      throw new CliUsageException(option + " '" + value + "': expected KEY=VALUE");
    }
    return Map.entry(value.substring(0, eq), value.substring(eq + 1));
  }

  /** A {@code label=} filter ({@code key}, {@code key=value}, {@code !key}, {@code key!=value}). */
  static LabelFilter labelFilter(String text) {
    try {
      return LabelFilter.parse(text);
    } catch (IllegalArgumentException e) {
      throw new CliUsageException("--filter label: " + e.getMessage());
    }
  }
}
