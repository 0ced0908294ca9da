package dev.imagespec.engine;

import java.util.List;
import java.util.Map;

/**
 * Options of {@code POST /build/prune}: {@code reservedSpace}, {@code maxUsedSpace}, {@code
 * minFreeSpace} (bytes), {@code all}, {@code filters} ({@code until}, {@code id}, {@code parent},
 * {@code type}, {@code description}, {@code inuse}, {@code shared}, {@code private}). Engines
 * before API 1.48 know {@code reservedSpace} as {@code keep-storage} and lack the other two sizes;
 * the client says so rather than ignoring them.
 */
public record PruneBuildsOptions(
    Long reservedSpace,
    Long maxUsedSpace,
    Long minFreeSpace,
    Boolean all,
    Map<String, List<String>> filters) {

  public PruneBuildsOptions {
    filters = Filters.copy(filters);
  }

  public static PruneBuildsOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder. */
  public static final class Builder {
    private Long reservedSpace;
    private Long maxUsedSpace;
    private Long minFreeSpace;
    private Boolean all;
    private Map<String, List<String>> filters = Map.of();

    public Builder reservedSpace(long bytes) {
      this.reservedSpace = bytes;
      return this;
    }

    public Builder maxUsedSpace(long bytes) {
      this.maxUsedSpace = bytes;
      return this;
    }

    public Builder minFreeSpace(long bytes) {
      this.minFreeSpace = bytes;
      return this;
    }

    public Builder all(boolean all) {
      this.all = all;
      return this;
    }

    public Builder filter(String key, String value) {
      filters = Filters.add(filters, key, value);
      return this;
    }

    public PruneBuildsOptions build() {
      return new PruneBuildsOptions(reservedSpace, maxUsedSpace, minFreeSpace, all, filters);
    }
  }
}
