package dev.imagespec.engine;

/**
 * Options of a pull, one-to-one with the seeds: {@code tag} (default {@code latest} unless the
 * reference carries a tag or digest), {@code allTags}, {@code platform} ({@code
 * os[/arch[/variant]]}), {@code auth} (overrides the configured credentials), {@code tlsVerify}
 * (Podman only; Docker decides per registry from its insecure-registries setting). docker-py's
 * {@code stream}/{@code decode} are {@link Images#pullStream}; podman-py's {@code progress_bar} is
 * the CLI's concern.
 */
public record PullOptions(
    String tag, boolean allTags, String platform, AuthConfig auth, Boolean tlsVerify) {

  public static PullOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder. */
  public static final class Builder {
    private String tag;
    private boolean allTags;
    private String platform;
    private AuthConfig auth;
    private Boolean tlsVerify;

    public Builder tag(String tag) {
      this.tag = tag;
      return this;
    }

    public Builder allTags(boolean allTags) {
      this.allTags = allTags;
      return this;
    }

    public Builder platform(String platform) {
      this.platform = platform;
      return this;
    }

    public Builder auth(AuthConfig auth) {
      this.auth = auth;
      return this;
    }

    public Builder tlsVerify(Boolean tlsVerify) {
      this.tlsVerify = tlsVerify;
      return this;
    }

    public PullOptions build() {
      return new PullOptions(tag, allTags, platform, auth, tlsVerify);
    }
  }
}
