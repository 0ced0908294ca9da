package dev.imagespec.engine;

import java.util.List;
import java.util.Map;

/**
 * Filters of {@code POST /images/prune}: {@code dangling} (true: untagged only; false: every unused
 * image), {@code until} (timestamp or Go duration), {@code label} ({@code key}, {@code key=value},
 * and the negations {@code key!=value} / {@code !key}, sent as {@code label!}).
 */
public record PruneOptions(Map<String, List<String>> filters) {

  public PruneOptions {
    filters = Filters.copy(filters);
  }

  public static PruneOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder. */
  public static final class Builder {
    private Map<String, List<String>> filters = Map.of();

    public Builder dangling(boolean dangling) {
      filters = Filters.add(filters, "dangling", Boolean.toString(dangling));
      return this;
    }

    public Builder until(String until) {
      filters = Filters.add(filters, "until", until);
      return this;
    }

    /** {@code key}, {@code key=value}, {@code key!=value} or {@code !key}. */
    public Builder label(String expression) {
      filters = Filters.label(filters, expression);
      return this;
    }

    public Builder filter(String key, String value) {
      filters = Filters.add(filters, key, value);
      return this;
    }

    public PruneOptions build() {
      return new PruneOptions(filters);
    }
  }
}
