package dev.imagespec.engine;

import java.util.List;

/**
 * Options of an import ({@code POST /images/create?fromSrc=...}): the {@code repository} and {@code
 * tag} to name the new image, {@code changes} (Dockerfile instructions such as {@code LABEL a=b} or
 * {@code CMD ["/bin/sh"]}), {@code message}, {@code platform}.
 */
public record ImportOptions(
    String repository, String tag, List<String> changes, String message, String platform) {

  public ImportOptions {
    changes = changes == null ? List.of() : List.copyOf(changes);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder. */
  public static final class Builder {
    private String repository;
    private String tag;
    private List<String> changes = List.of();
    private String message;
    private String platform;

    public Builder repository(String repository) {
      this.repository = repository;
      return this;
    }

    public Builder tag(String tag) {
      this.tag = tag;
      return this;
    }

    public Builder changes(List<String> changes) {
      this.changes = changes;
      return this;
    }

    public Builder message(String message) {
      this.message = message;
      return this;
    }

    public Builder platform(String platform) {
      this.platform = platform;
      return this;
    }

    public ImportOptions build() {
      return new ImportOptions(repository, tag, changes, message, platform);
    }
  }
}
