package dev.imagespec.cli;

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
      int eq = v.indexOf('=');
      if (eq <= 0) {
        throw new CliUsageException(option + " '" + v + "': expected KEY=VALUE");
      }
      out.put(v.substring(0, eq), v.substring(eq + 1));
    }
    return out;
  }
}
