package dev.imagespec.engine;

import java.util.List;
import java.util.Map;

/**
 * Options of a search ({@code GET /images/search}), one-to-one: {@code limit}, {@code filters}
 * ({@code is-official}, {@code is-automated}, {@code stars}), {@code noTrunc}, and on Podman {@code
 * listTags} (every tag of a repository; the term must then name one repository) and {@code
 * tlsVerify}; {@code auth} for the registry searched. Docker's API never truncates, so {@code
 * noTrunc} changes nothing there; {@code listTags} on Docker raises {@link
 * UnsupportedOperationException}; {@code tlsVerify} is left to Docker's insecure-registries
 * setting, as for pulls.
 */
public record SearchOptions(
    Integer limit,
    Map<String, List<String>> filters,
    Boolean noTrunc,
    boolean listTags,
    Boolean tlsVerify,
    AuthConfig auth) {

  public SearchOptions {
    filters = Filters.copy(filters);
    if (limit != null && limit < 1) {
      throw new InvalidArgumentException("search limit must be at least 1: " + limit);
    }
  }

  public static SearchOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder; each setter maps onto one API parameter or filter. */
  public static final class Builder {
    private Integer limit;
    private Map<String, List<String>> filters = Map.of();
    private Boolean noTrunc;
    private boolean listTags;
    private Boolean tlsVerify;
    private AuthConfig auth;

    public Builder limit(int limit) {
      this.limit = limit;
      return this;
    }

    public Builder isOfficial(boolean official) {
      filters = Filters.add(filters, "is-official", Boolean.toString(official));
      return this;
    }

    public Builder isAutomated(boolean automated) {
      filters = Filters.add(filters, "is-automated", Boolean.toString(automated));
      return this;
    }

    /** At least this many stars. */
    public Builder stars(int stars) {
      filters = Filters.add(filters, "stars", Integer.toString(stars));
      return this;
    }

    /** {@code is-official}, {@code is-automated} or {@code stars}, as text. */
    public Builder filter(String key, String value) {
      switch (key) {
        case "is-official", "is-automated" -> {
          if (!value.equals("true") && !value.equals("false")) {
            throw new InvalidArgumentException(
                "search filter " + key + "='" + value + "': expected true or false");
          }
        }
        case "stars" -> {
          if (!value.matches("\\d+")) {
            throw new InvalidArgumentException(
                "search filter stars='" + value + "': expected a number");
          }
        }
        default ->
            throw new InvalidArgumentException(
                "unknown search filter '" + key + "' (is-official, is-automated, stars)");
      }
      filters = Filters.add(filters, key, value);
      return this;
    }

    public Builder noTrunc(boolean noTrunc) {
      this.noTrunc = noTrunc;
      return this;
    }

    /** Podman only. */
    public Builder listTags(boolean listTags) {
      this.listTags = listTags;
      return this;
    }

    /** Podman only. */
    public Builder tlsVerify(Boolean tlsVerify) {
      this.tlsVerify = tlsVerify;
      return this;
    }

    public Builder auth(AuthConfig auth) {
      this.auth = auth;
      return this;
    }

    public SearchOptions build() {
      return new SearchOptions(limit, filters, noTrunc, listTags, tlsVerify, auth);
    }
  }
}
