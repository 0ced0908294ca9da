package dev.imagespec.engine;

/**
 * Options of a push: {@code tag} (push only this tag of the repository), {@code auth}, and on
 * Podman {@code destination} (push to another reference without tagging) and {@code tlsVerify}.
 */
public record PushOptions(String tag, AuthConfig auth, String destination, Boolean tlsVerify) {

  public static PushOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder. */
  public static final class Builder {
    private String tag;
    private AuthConfig auth;
    private String destination;
    private Boolean tlsVerify;

    public Builder tag(String tag) {
      this.tag = tag;
      return this;
    }

    public Builder auth(AuthConfig auth) {
      this.auth = auth;
      return this;
    }

    /** Podman only: push to this reference instead. */
    public Builder destination(String destination) {
      this.destination = destination;
      return this;
    }

    /** Podman only. */
    public Builder tlsVerify(Boolean tlsVerify) {
      this.tlsVerify = tlsVerify;
      return this;
    }

    public PushOptions build() {
      return new PushOptions(tag, auth, destination, tlsVerify);
    }
  }
}
