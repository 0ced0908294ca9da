package dev.imagespec.engine;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A parsed and normalised image reference, following Docker's reference grammar: {@code
 * [domain[:port]/]path[:tag][@algorithm:hex]}. Names without a domain get {@code docker.io}, and
 * single-component Docker Hub names get {@code library/}, so {@code busybox} and {@code
 * docker.io/library/busybox:latest} compare equal once {@link #withDefaultTag() defaulted}.
 *
 * <p>Parsing never contacts an engine: a malformed reference fails with {@link
 * InvalidArgumentException} before any call is made.
 */
public final class ImageReference {
  public static final String DEFAULT_DOMAIN = "docker.io";
  public static final String DEFAULT_TAG = "latest";

  private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
  private static final Pattern PATH = Pattern.compile(COMPONENT + "(?:/" + COMPONENT + ")*");
  private static final Pattern DOMAIN =
      Pattern.compile(
          "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
              + "|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern DIGEST =
      Pattern.compile("[a-z][a-z0-9]*(?:[-_+.][a-z][a-z0-9]*)*:[0-9a-fA-F]{32,}");
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final Pattern ID = Pattern.compile("(?:sha256:)?[0-9a-f]{64}");

  private final String domain;
  private final String path;
  private final String tag;
  private final String digest;

  private ImageReference(String domain, String path, String tag, String digest) {
    this.domain = domain;
    this.path = path;
    this.tag = tag;
    this.digest = digest;
  }

  /**
   * Parses {@code text} as an image reference.
   *
   * @throws InvalidArgumentException naming the value and what is wrong with it
   */
  public static ImageReference parse(String text) {
    if (text == null || text.isBlank()) {
      throw new InvalidArgumentException("image reference must not be empty");
    }
    if (!text.equals(text.strip())) {
      throw invalid(text, "it contains whitespace");
    }
    if (text.length() > 512) {
      throw invalid(text, "it is longer than 512 characters");
    }
    String rest = text;
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
      if (!DIGEST.matcher(digest).matches()) {
        throw invalid(text, "digest '" + digest + "' is not of the form algorithm:hex");
      }
      if (digest.startsWith("sha256:") && !SHA256.matcher(digest).matches()) {
        throw invalid(text, "a sha256 digest must have 64 lowercase hex digits");
      }
    }
    String tag = null;
    int lastSlash = rest.lastIndexOf('/');
    int colon = rest.lastIndexOf(':');
    if (colon > lastSlash) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw invalid(text, "tag '" + tag + "' is not valid (letters, digits, _ . -, max 128)");
      }
    }
    if (rest.isEmpty()) {
      throw invalid(text, "the repository name is empty");
    }
    String domain;
    String path;
    int slash = rest.indexOf('/');
    String first = slash < 0 ? rest : rest.substring(0, slash);
    if (slash < 0
        || (!first.contains(".")
            && !first.contains(":")
            && !first.equals("localhost")
            && first.toLowerCase(java.util.Locale.ROOT).equals(first))) {
      domain = DEFAULT_DOMAIN;
      path = rest;
    } else {
      domain = first;
      path = rest.substring(slash + 1);
      if (!DOMAIN.matcher(domain).matches()) {
        throw invalid(text, "registry '" + domain + "' is not a valid host[:port]");
      }
    }
    if (!path.equals(path.toLowerCase(java.util.Locale.ROOT))) {
      throw invalid(text, "repository name must be lowercase");
    }
    if (!PATH.matcher(path).matches()) {
      throw invalid(text, "repository '" + path + "' is not valid");
    }
    if (domain.equals("index.docker.io")) {
      domain = DEFAULT_DOMAIN;
    }
    if (domain.equals(DEFAULT_DOMAIN) && !path.contains("/")) {
      path = "library/" + path;
    }
    if ((domain + "/" + path).length() > 255) {
      throw invalid(text, "repository name is longer than 255 characters");
    }
    return new ImageReference(domain, path, tag, digest);
  }

  /** True when {@code text} is a full or short image ID rather than a name. */
  public static boolean looksLikeId(String text) {
    return text != null
        && (ID.matcher(text).matches() || text.matches("(?:sha256:)?[0-9a-f]{12,64}"));
  }

  private static InvalidArgumentException invalid(String text, String why) {
    return new InvalidArgumentException("invalid image reference '" + text + "': " + why);
  }

  /** Registry host[:port], {@code docker.io} by default. */
  public String domain() {
    return domain;
  }

  /** Repository path inside the registry, e.g. {@code library/busybox}. */
  public String path() {
    return path;
  }

  /** Fully qualified repository name without tag or digest, e.g. {@code docker.io/library/x}. */
  public String repository() {
    return domain + "/" + path;
  }

  public Optional<String> tag() {
    return Optional.ofNullable(tag);
  }

  public Optional<String> digest() {
    return Optional.ofNullable(digest);
  }

  public boolean hasDigest() {
    return digest != null;
  }

  /** The tag, or {@code latest} when the reference has neither tag nor digest. */
  public String tagOrDefault() {
    return tag != null ? tag : (digest == null ? DEFAULT_TAG : null);
  }

  /** This reference with {@code :latest} added when it has neither a tag nor a digest. */
  public ImageReference withDefaultTag() {
    return tag == null && digest == null ? withTag(DEFAULT_TAG) : this;
  }

  public ImageReference withTag(String newTag) {
    return parse(repository() + ":" + newTag);
  }

  public ImageReference withoutTagAndDigest() {
    return new ImageReference(domain, path, null, null);
  }

  public ImageReference withDigest(String newDigest) {
    return parse(repository() + "@" + newDigest);
  }

  /** Canonical form: fully qualified, {@code docker.io/library/x:tag[@digest]}. */
  public String canonical() {
    StringBuilder b = new StringBuilder(repository());
    if (tag != null) {
      b.append(':').append(tag);
    }
    if (digest != null) {
      b.append('@').append(digest);
    }
    return b.toString();
  }

  /**
   * Familiar form as Docker prints it: the {@code docker.io/} and {@code library/} defaults are
   * dropped ({@code busybox:latest}); other registries keep their domain.
   */
  public String familiar() {
    String name;
    if (domain.equals(DEFAULT_DOMAIN)) {
      name = path.startsWith("library/") ? path.substring("library/".length()) : path;
    } else {
      name = repository();
    }
    StringBuilder b = new StringBuilder(name);
    if (tag != null) {
      b.append(':').append(tag);
    }
    if (digest != null) {
      b.append('@').append(digest);
    }
    return b.toString();
  }

  /** Familiar repository name without tag or digest, as engines expect in {@code fromImage}. */
  public String familiarRepository() {
    return withoutTagAndDigest().familiar();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageReference r
        && domain.equals(r.domain)
        && path.equals(r.path)
        && Objects.equals(tag, r.tag)
        && Objects.equals(digest, r.digest);
  }

  @Override
  public int hashCode() {
    return Objects.hash(domain, path, tag, digest);
  }

  @Override
  public String toString() {
    return familiar();
  }
}
