package dev.imagespec.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Engine filter sets ({@code {"key": ["value", ...]}}), encoded as the API's JSON. */
final class Filters {
  private Filters() {}

  static Map<String, List<String>> add(
      Map<String, List<String>> filters, String key, String value) {
    Map<String, List<String>> copy = new LinkedHashMap<>(filters);
    List<String> values = new ArrayList<>(copy.getOrDefault(key, List.of()));
    values.add(value);
    copy.put(key, Collections.unmodifiableList(values));
    return Collections.unmodifiableMap(copy);
  }

  static Map<String, List<String>> copy(Map<String, List<String>> filters) {
    Map<String, List<String>> copy = new LinkedHashMap<>();
    if (filters != null) {
      filters.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    }
    return Collections.unmodifiableMap(copy);
  }

  /** A label filter {@code key}, {@code key=value}, {@code key!=value} or {@code !key}. */
  static Map<String, List<String>> label(Map<String, List<String>> filters, String expression) {
    if (expression == null || expression.isBlank()) {
      throw new InvalidArgumentException("label filter must not be empty");
    }
    if (expression.startsWith("!")) {
      return add(filters, "label!", expression.substring(1));
    }
    int ne = expression.indexOf("!=");
    if (ne > 0) {
      return add(
          filters, "label!", expression.substring(0, ne) + "=" + expression.substring(ne + 2));
    }
    return add(filters, "label", expression);
  }

  static String encode(Map<String, List<String>> filters) {
    try {
      return Transport.JSON.writeValueAsString(filters);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
