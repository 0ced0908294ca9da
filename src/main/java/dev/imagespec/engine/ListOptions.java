package dev.imagespec.engine;

import java.util.List;
import java.util.Map;

/**
 * Options of {@code GET /images/json}, one-to-one: {@code name} (a {@code reference} filter, as
 * docker-py's {@code name}), {@code all} (intermediate layers too), {@code filters} ({@code
 * dangling}, {@code label}, {@code reference}, {@code before}, {@code since}), {@code digests}.
 * docker-py's {@code quiet} is {@link Images#listIds}.
 */
public record ListOptions(
    String name, boolean all, Map<String, List<String>> filters, boolean digests) {

  public ListOptions {
    filters = Filters.copy(filters);
  }

  public static ListOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder; each setter maps onto one API parameter or filter. */
  public static final class Builder {
    private String name;
    private boolean all;
    private Map<String, List<String>> filters = Map.of();
    private boolean digests;

    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public Builder all(boolean all) {
      this.all = all;
      return this;
    }

    public Builder dangling(boolean dangling) {
      filters = Filters.add(filters, "dangling", Boolean.toString(dangling));
      return this;
    }

    /** {@code key} or {@code key=value}. */
    public Builder label(String label) {
      filters = Filters.add(filters, "label", label);
      return this;
    }

    public Builder reference(String reference) {
      filters = Filters.add(filters, "reference", reference);
      return this;
    }

    public Builder before(String image) {
      filters = Filters.add(filters, "before", image);
      return this;
    }

    public Builder since(String image) {
      filters = Filters.add(filters, "since", image);
      return this;
    }

    /** Any other filter the engine understands. */
    public Builder filter(String key, String value) {
      filters = Filters.add(filters, key, value);
      return this;
    }

    public Builder digests(boolean digests) {
      this.digests = digests;
      return this;
    }

    public ListOptions build() {
      return new ListOptions(name, all, filters, digests);
    }
  }
}
