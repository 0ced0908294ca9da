package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.Credentials;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small client for a registry's v2 (OCI distribution) API, used where the engine cannot answer:
 * the digest and platforms of a remote reference without pulling it, whether a tag moved, and the
 * tags of a repository.
 *
 * <h2>Scheme</h2>
 *
 * Registries are spoken to over HTTPS with certificate verification. A registry is
 * <em>insecure</em> when it is listed in {@link Builder#insecureRegistries} ({@code host} matches
 * any port of that host, {@code host:port} only that port) or is a loopback address ({@code
 * 127.0.0.0/8}, {@code ::1}, {@code localhost}), as Docker treats them. For an insecure registry
 * the client finds out which protocol it speaks with an unauthenticated {@code GET /v2/} ping (5s
 * timeouts), and uses HTTPS <em>without</em> certificate verification or plain HTTP accordingly:
 *
 * <ul>
 *   <li>{@code host:port}: one port speaks one protocol, so it pings in plain HTTP first; any
 *       answer but 400 (what TLS listeners answer plain requests with) means plain HTTP, anything
 *       else HTTPS. Plain HTTP first because a TLS listener rejects a plain request at once, while
 *       some plain-HTTP servers never answer a TLS hello, which would cost the whole timeout.
 *   <li>{@code host} alone (ports 443 and 80): HTTPS first, plain HTTP when that fails at the
 *       connection or TLS level, as Docker does.
 * </ul>
 *
 * The scheme is remembered per registry once a request over it got an answer. So plain-HTTP local
 * registries (the usual {@code 127.0.0.1:5000}) work, and so do loopback registries with TLS.
 *
 * <h2>Authentication</h2>
 *
 * On a 401 the {@code WWW-Authenticate} challenge is answered: {@code Basic} with the username and
 * password of the {@link AuthConfig}; {@code Bearer} by fetching a token from the challenge's realm
 * for {@code repository:<path>:pull} (basic-authenticated when credentials are given, or with the
 * identity token as an OAuth2 refresh token; a {@code registrytoken} is sent as is). Tokens are
 * cached per registry, scope and credentials until they expire. Credentials are never sent over
 * plain HTTP to a host that is not insecure (e.g. an {@code http://} token realm on a public host).
 * Error messages and logs never contain credentials, tokens or headers.
 *
 * <h2>Errors</h2>
 *
 * {@link EngineUnavailableException} when the registry cannot be reached; {@link ApiException} with
 * 401/403 when it refuses (or requires) credentials; {@link ImageNotFoundException} for a missing
 * manifest or repository; {@link ApiException} with the status for anything else.
 *
 * <p>Instances are thread-safe and meant to be shared.
 */
public final class RegistryClient {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String DOCKER_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  static final String DOCKER_MANIFEST_V1_SIGNED =
      "application/vnd.docker.distribution.manifest.v1+prettyjws";
  private static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  private static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  private static final String ACCEPT =
      String.join(", ", OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST);

  /** Docker Hub's registry API host; references say {@code docker.io}. */
  public static final String DOCKER_HUB_REGISTRY = "registry-1.docker.io";

  private static final long MAX_MANIFEST_BYTES = 4L << 20; // as Docker
  private static final long MAX_CONFIG_BYTES = 32L << 20;
  private static final long MAX_SMALL_BYTES = 1L << 20; // tokens, tag pages, error bodies
  private static final int MAX_TAG_PAGES = 1000;
  private static final int MAX_CACHED_TOKENS = 256; // beyond this, expired tokens are dropped
  private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration TOKEN_MARGIN = Duration.ofSeconds(5);
  private static final Pattern LINK_NEXT = Pattern.compile("<([^>]*)>\\s*;[^,]*rel=\"?next\"?");
  private static final Pattern SHA256_DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

  private final OkHttpClient secureClient;
  private final OkHttpClient insecureClient;

  /** {@link #insecureClient} with short timeouts, to find out whether a registry speaks TLS. */
  private final OkHttpClient probeClient;

  private final Set<String> insecureRegistries;
  private final String userAgent;

  /** Registry host[:port] → the scheme that answered last. */
  private final Map<String, String> schemes = new ConcurrentHashMap<>();

  /** Registry host[:port] → the last challenge scheme it sent ({@code basic} or {@code bearer}). */
  private final Map<String, String> challengeSchemes = new ConcurrentHashMap<>();

  private final Map<TokenKey, Token> tokens = new ConcurrentHashMap<>();

  private RegistryClient(Builder b) {
    OkHttpClient.Builder cb = (b.httpClient != null ? b.httpClient.newBuilder() : base());
    cb.followRedirects(true).followSslRedirects(true);
    if (b.connectTimeout != null) {
      cb.connectTimeout(b.connectTimeout);
    }
    if (b.readTimeout != null) {
      cb.readTimeout(b.readTimeout);
    }
    this.secureClient = cb.build();
    TrustAll trustAll = new TrustAll();
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {trustAll}, null);
      this.insecureClient =
          secureClient
              .newBuilder()
              .sslSocketFactory(ctx.getSocketFactory(), trustAll)
              .hostnameVerifier((host, session) -> true)
              .build();
      this.probeClient =
          insecureClient
              .newBuilder()
              .connectTimeout(shorter(insecureClient.connectTimeoutMillis(), PROBE_TIMEOUT))
              .readTimeout(shorter(insecureClient.readTimeoutMillis(), PROBE_TIMEOUT))
              .retryOnConnectionFailure(false)
              .followRedirects(false)
              .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up TLS for insecure registries", e);
    }
    Set<String> insecure = new LinkedHashSet<>();
    for (String r : b.insecureRegistries) {
      String n = normaliseRegistry(r);
      if (!n.isEmpty()) {
        insecure.add(n);
      }
    }
    this.insecureRegistries = Set.copyOf(insecure);
    this.userAgent = b.userAgent;
  }

  private static Duration shorter(int millis, Duration limit) {
    return millis <= 0 || millis > limit.toMillis() ? limit : Duration.ofMillis(millis);
  }

  private static OkHttpClient.Builder base() {
    return new OkHttpClient.Builder()
        .connectTimeout(Duration.ofSeconds(10))
        .readTimeout(Duration.ofSeconds(60))
        .writeTimeout(Duration.ofSeconds(60));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings for a {@link RegistryClient}. */
  public static final class Builder {
    private final List<String> insecureRegistries = new ArrayList<>();
    private Duration connectTimeout;
    private Duration readTimeout;
    private OkHttpClient httpClient;
    private String userAgent = "imagespec";

    private Builder() {}

    /**
     * Registries (as {@code host} or {@code host:port}; a {@code http://} or {@code https://}
     * prefix is ignored) that may be reached over plain HTTP or HTTPS without certificate
     * verification. Loopback registries are always insecure. Adds to earlier calls.
     */
    public Builder insecureRegistries(Collection<String> registries) {
      insecureRegistries.addAll(registries);
      return this;
    }

    public Builder insecureRegistry(String registry) {
      insecureRegistries.add(registry);
      return this;
    }

    /** Connect timeout (default 10s, or the shared client's). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    /** Read timeout (default 60s, or the shared client's). */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = timeout;
      return this;
    }

    /** An OkHttp client whose connection pool and dispatcher to share (it is not modified). */
    public Builder httpClient(OkHttpClient client) {
      this.httpClient = client;
      return this;
    }

    public Builder userAgent(String userAgent) {
      this.userAgent = Objects.requireNonNull(userAgent);
      return this;
    }

    public RegistryClient build() {
      return new RegistryClient(this);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // public API

  /**
   * The manifest digest, media type, size and platforms the registry serves for {@code ref} (a tag,
   * {@code latest} when it has neither tag nor digest, or a digest). For a single manifest the
   * image config is fetched to read its platform, as Docker's distribution endpoint does.
   *
   * @param auth credentials, or null for anonymous access
   * @throws ImageNotFoundException when the registry has no such manifest or repository
   */
  public RegistryData inspect(ImageReference ref, AuthConfig auth) {
    Target t = target(ref, auth);
    String reference = manifestReference(ref);
    String what = describe(ref);
    byte[] body;
    String contentType;
    String headerDigest;
    try (Response r = send(t, "GET", manifestPath(t, reference), ACCEPT)) {
      if (r.code() == 404) {
        throw new ImageNotFoundException(notFound(t, what, r));
      }
      check(t, r, "GET manifest of " + what);
      body = read(t, r, MAX_MANIFEST_BYTES, "manifest of " + what);
      contentType = mediaType(r.header("Content-Type"));
      headerDigest = r.header("Docker-Content-Digest");
    }
    String digest = digestOf(t, ref, body, headerDigest, what);
    JsonNode manifest = parseJson(t, body, "manifest of " + what);
    String mediaType = text(manifest, "mediaType");
    if (mediaType == null) {
      mediaType = contentType;
    }
    List<RegistryData.Platform> platforms = new ArrayList<>();
    JsonNode entries = manifest.get("manifests");
    if (entries != null && entries.isArray()) {
      if (mediaType == null) {
        mediaType = OCI_INDEX;
      }
      for (JsonNode m : entries) {
        if (isAttestation(m)) {
          continue;
        }
        RegistryData.Platform p = platform(m.get("platform"));
        if (p != null && !platforms.contains(p)) {
          platforms.add(p);
        }
      }
    } else if (manifest.has("config")) {
      if (mediaType == null) {
        mediaType = OCI_MANIFEST;
      }
      JsonNode config = manifest.get("config");
      String configType = text(config, "mediaType");
      String configDigest = text(config, "digest");
      if (configDigest != null
          && (configType == null
              || configType.equals(DOCKER_CONFIG)
              || configType.equals(OCI_CONFIG))) {
        RegistryData.Platform p = platform(fetchConfig(t, configDigest, what));
        if (p != null) {
          platforms.add(p);
        }
      }
    } else if (manifest.path("schemaVersion").asInt() == 1) {
      // Legacy schema 1 (not asked for, but some registries still serve it): linux only.
      if (mediaType == null || mediaType.equals("application/json")) {
        mediaType = DOCKER_MANIFEST_V1_SIGNED;
      }
      String arch = text(manifest, "architecture");
      if (arch != null) {
        platforms.add(new RegistryData.Platform("linux", arch, null));
      }
    }
    return new RegistryData(digest, mediaType, body.length, platforms);
  }

  /**
   * The digest the registry serves for {@code ref} (what a pull by this tag resolves to), read with
   * a HEAD request; empty when the registry has no such manifest or repository.
   *
   * @param auth credentials, or null for anonymous access
   */
  public Optional<String> digest(ImageReference ref, AuthConfig auth) {
    Target t = target(ref, auth);
    String reference = manifestReference(ref);
    String what = describe(ref);
    try (Response r = send(t, "HEAD", manifestPath(t, reference), ACCEPT)) {
      if (r.code() == 404) {
        return Optional.empty();
      }
      check(t, r, "HEAD manifest of " + what);
      String header = r.header("Docker-Content-Digest");
      if (header != null && !header.isBlank()) {
        String d = header.trim();
        if (ref.hasDigest() && !d.equals(ref.digest().orElseThrow())) {
          throw new EngineException(
              "registry " + t.domain + " answered digest " + d + " for " + what);
        }
        return Optional.of(d);
      }
    }
    // Some registries leave the digest header off HEAD answers: hash the manifest instead.
    try {
      return Optional.of(inspectDigestOnly(t, ref, reference, what));
    } catch (ImageNotFoundException e) {
      return Optional.empty();
    }
  }

  /**
   * The image ID (config digest) of the single-platform manifest the registry serves for {@code
   * ref}: the same value whatever compression the pusher chose, so it tells whether the registry
   * holds a given local image. Empty when the registry has no such manifest, or serves an index.
   *
   * @param auth credentials, or null for anonymous access
   */
  public Optional<String> configDigest(ImageReference ref, AuthConfig auth) {
    Target t = target(ref, auth);
    String what = describe(ref);
    byte[] body;
    try (Response r = send(t, "GET", manifestPath(t, manifestReference(ref)), ACCEPT)) {
      if (r.code() == 404) {
        return Optional.empty();
      }
      check(t, r, "GET manifest of " + what);
      body = read(t, r, MAX_MANIFEST_BYTES, "manifest of " + what);
    }
    JsonNode config = parseJson(t, body, "manifest of " + what).get("config");
    return Optional.ofNullable(config == null ? null : text(config, "digest"));
  }

  /**
   * Every tag of the repository of {@code repo} (its tag and digest are ignored), following the
   * registry's {@code Link} pagination, in the registry's order.
   *
   * @param auth credentials, or null for anonymous access
   * @throws ImageNotFoundException when the registry has no such repository
   */
  public List<String> listTags(ImageReference repo, AuthConfig auth) {
    Target t = target(repo, auth);
    String what = t.domain + "/" + t.path;
    List<String> tags = new ArrayList<>();
    String next = "/v2/" + t.path + "/tags/list";
    for (int page = 0; next != null; page++) {
      if (page >= MAX_TAG_PAGES) {
        throw new EngineException(
            "registry "
                + t.domain
                + " returned more than "
                + MAX_TAG_PAGES
                + " tag pages for "
                + what);
      }
      String link;
      byte[] body;
      try (Response r = send(t, "GET", next, "application/json")) {
        if (r.code() == 404) {
          throw new ImageNotFoundException(
              "repository " + what + " not found in registry " + t.domain + errorSuffix(r));
        }
        check(t, r, "GET tags of " + what);
        body = read(t, r, MAX_SMALL_BYTES * 16, "tag list of " + what);
        link = r.header("Link");
      }
      JsonNode json = parseJson(t, body, "tag list of " + what);
      for (JsonNode tag : json.path("tags")) {
        if (tag.isTextual()) {
          tags.add(tag.asText());
        }
      }
      next = nextPage(t, link);
    }
    return tags;
  }

  /**
   * True when {@code registry} (host[:port]) may be reached over plain HTTP or unverified TLS:
   * loopback hosts and those given to {@link Builder#insecureRegistries}.
   */
  public boolean isInsecure(String registry) {
    String r = normaliseRegistry(registry);
    if (isLoopback(hostOf(r))) {
      return true;
    }
    return insecureRegistries.contains(r) || insecureRegistries.contains(hostOf(r));
  }

  // ---------------------------------------------------------------------------------------------
  // manifests and blobs

  private String inspectDigestOnly(Target t, ImageReference ref, String reference, String what) {
    try (Response r = send(t, "GET", manifestPath(t, reference), ACCEPT)) {
      if (r.code() == 404) {
        throw new ImageNotFoundException(notFound(t, what, r));
      }
      check(t, r, "GET manifest of " + what);
      byte[] body = read(t, r, MAX_MANIFEST_BYTES, "manifest of " + what);
      return digestOf(t, ref, body, r.header("Docker-Content-Digest"), what);
    }
  }

  private JsonNode fetchConfig(Target t, String configDigest, String what) {
    if (!configDigest.matches("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")) {
      throw new EngineException(
          "registry " + t.domain + " served a manifest with an invalid config digest for " + what);
    }
    try (Response r = send(t, "GET", "/v2/" + t.path + "/blobs/" + configDigest, "*/*")) {
      if (r.code() == 404) {
        throw new ImageNotFoundException(
            "image config "
                + configDigest
                + " of "
                + what
                + " not found in registry "
                + t.domain
                + errorSuffix(r));
      }
      check(t, r, "GET image config of " + what);
      byte[] body = read(t, r, MAX_CONFIG_BYTES, "image config of " + what);
      if (configDigest.startsWith("sha256:") && !configDigest.equals(sha256(body))) {
        throw new EngineException(
            "registry " + t.domain + " served an image config not matching " + configDigest);
      }
      return parseJson(t, body, "image config of " + what);
    }
  }

  private String digestOf(
      Target t, ImageReference ref, byte[] body, String headerDigest, String what) {
    String computed = sha256(body);
    if (ref.hasDigest()) {
      String wanted = ref.digest().orElseThrow();
      if (wanted.startsWith("sha256:") && !wanted.equals(computed)) {
        throw new EngineException(
            "registry " + t.domain + " served a manifest not matching the digest of " + what);
      }
      return wanted;
    }
    if (headerDigest != null && !headerDigest.isBlank()) {
      String h = headerDigest.trim();
      if (SHA256_DIGEST.matcher(h).matches() && !h.equals(computed)) {
        throw new EngineException(
            "registry "
                + t.domain
                + " served a manifest for "
                + what
                + " not matching its Docker-Content-Digest "
                + h);
      }
      return h;
    }
    return computed;
  }

  private static boolean isAttestation(JsonNode entry) {
    JsonNode type = entry.path("annotations").get("vnd.docker.reference.type");
    if (type != null && "attestation-manifest".equals(type.asText())) {
      return true;
    }
    JsonNode p = entry.get("platform");
    return p != null
        && "unknown".equals(p.path("os").asText())
        && "unknown".equals(p.path("architecture").asText());
  }

  private static RegistryData.Platform platform(JsonNode node) {
    if (node == null || !node.isObject()) {
      return null;
    }
    String os = text(node, "os");
    String arch = text(node, "architecture");
    if (os == null && arch == null) {
      return null;
    }
    String variant = text(node, "variant");
    return new RegistryData.Platform(
        os, arch, variant == null || variant.isEmpty() ? null : variant);
  }

  // ---------------------------------------------------------------------------------------------
  // requests, schemes and authentication

  /** One operation's registry, repository and credentials. */
  private record Target(
      String domain,
      String host,
      String path,
      AuthConfig auth,
      String scope,
      String credentialKey) {
    boolean hasBasic() {
      return auth != null
          && auth.username() != null
          && !auth.username().isEmpty()
          && auth.password() != null;
    }

    boolean hasCredentials() {
      return hasBasic()
          || (auth != null
              && ((auth.identityToken() != null && !auth.identityToken().isEmpty())
                  || (auth.registryToken() != null && !auth.registryToken().isEmpty())));
    }
  }

  private record TokenKey(String host, String scope, String credentialKey) {}

  private record Token(String value, Instant expires) {}

  record Challenge(String scheme, Map<String, String> params) {}

  private Target target(ImageReference ref, AuthConfig auth) {
    Objects.requireNonNull(ref, "ref");
    String domain = ref.domain();
    String host = domain.equals(ImageReference.DEFAULT_DOMAIN) ? DOCKER_HUB_REGISTRY : domain;
    String scope = "repository:" + ref.path() + ":pull";
    return new Target(domain, host, ref.path(), auth, scope, credentialKey(auth));
  }

  private static String manifestReference(ImageReference ref) {
    return ref.digest().orElseGet(ref::tagOrDefault);
  }

  private static String manifestPath(Target t, String reference) {
    return "/v2/" + t.path + "/manifests/" + reference;
  }

  private static String describe(ImageReference ref) {
    return ref.hasDigest() || ref.tag().isPresent()
        ? ref.canonical()
        : ref.withDefaultTag().canonical();
  }

  /**
   * Sends a request, answering one authentication challenge. The returned response is neither 401
   * nor (after authenticating) 403; the caller closes it.
   */
  private Response send(Target t, String method, String pathAndQuery, String accept) {
    String authorization = cachedAuthorization(t);
    Response r = execute(t, method, pathAndQuery, accept, authorization);
    if (r.code() == 403) {
      r.close();
      throw refused(t, 403);
    }
    if (r.code() != 401) {
      return r;
    }
    List<Challenge> challenges = parseChallenges(r.headers("WWW-Authenticate"));
    r.close();
    if (authorization != null) {
      // A cached token may have been revoked or lack a scope: start over once.
      tokens.remove(new TokenKey(t.host, t.scope, t.credentialKey));
    }
    String fresh = authorize(t, challenges);
    Response again = execute(t, method, pathAndQuery, accept, fresh);
    if (again.code() == 401 || again.code() == 403) {
      int code = again.code();
      again.close();
      throw refused(t, code);
    }
    return again;
  }

  private String cachedAuthorization(Target t) {
    String scheme = challengeSchemes.get(t.host);
    if ("basic".equals(scheme) && t.hasBasic()) {
      return basic(t.auth);
    }
    if ("bearer".equals(scheme)) {
      Token token = tokens.get(new TokenKey(t.host, t.scope, t.credentialKey));
      if (token != null && Instant.now().isBefore(token.expires)) {
        return "Bearer " + token.value;
      }
    }
    return null;
  }

  private String authorize(Target t, List<Challenge> challenges) {
    Challenge bearer = null;
    Challenge basic = null;
    for (Challenge c : challenges) {
      if (c.scheme.equals("bearer") && bearer == null) {
        bearer = c;
      } else if (c.scheme.equals("basic") && basic == null) {
        basic = c;
      }
    }
    if (bearer != null) {
      challengeSchemes.put(t.host, "bearer");
      if (t.auth != null && t.auth.registryToken() != null && !t.auth.registryToken().isEmpty()) {
        return "Bearer " + t.auth.registryToken();
      }
      Token token = fetchToken(t, bearer);
      if (tokens.size() >= MAX_CACHED_TOKENS) {
        Instant now = Instant.now();
        tokens.values().removeIf(cached -> !now.isBefore(cached.expires));
      }
      tokens.put(new TokenKey(t.host, t.scope, t.credentialKey), token);
      return "Bearer " + token.value;
    }
    if (basic != null) {
      challengeSchemes.put(t.host, "basic");
      if (!t.hasBasic()) {
        throw new ApiException(
            401,
            "registry "
                + t.domain
                + " requires authentication for "
                + t.path
                + (t.hasCredentials()
                    ? " (basic auth needs a username and password)"
                    : " (no credentials given)"));
      }
      return basic(t.auth);
    }
    if (challenges.isEmpty()) {
      throw new ApiException(
          401, "registry " + t.domain + " requires authentication for " + t.path);
    }
    throw new ApiException(
        401,
        "registry "
            + t.domain
            + " asks for unsupported authentication scheme '"
            + challenges.get(0).scheme
            + "' for "
            + t.path);
  }

  private Token fetchToken(Target t, Challenge c) {
    String realmText = c.params.get("realm");
    HttpUrl realm = realmText == null ? null : HttpUrl.parse(realmText);
    if (realm == null) {
      throw new ApiException(
          401, "registry " + t.domain + " sent a bearer challenge without a valid realm");
    }
    boolean plain = realm.scheme().equals("http");
    String realmHost =
        realm.port() == HttpUrl.defaultPort(realm.scheme())
            ? realm.host()
            : realm.host() + ":" + realm.port();
    boolean insecureRealm = isInsecure(realmHost);
    if (plain && !insecureRealm && t.hasCredentials()) {
      throw new EngineException(
          "registry "
              + t.domain
              + ": refusing to send credentials to plain-HTTP token service "
              + realmHost);
    }
    Set<String> scopes = new LinkedHashSet<>();
    scopes.add(t.scope);
    String challengeScope = c.params.get("scope");
    if (challengeScope != null && !challengeScope.isBlank()) {
      scopes.add(challengeScope);
    }
    String service = c.params.get("service");
    OkHttpClient client = !plain && insecureRealm ? insecureClient : secureClient;

    Request request;
    String identityToken = t.auth == null ? null : t.auth.identityToken();
    if (identityToken != null && !identityToken.isEmpty()) {
      FormBody.Builder form =
          new FormBody.Builder()
              .add("grant_type", "refresh_token")
              .add("refresh_token", identityToken)
              .add("client_id", userAgent);
      if (service != null) {
        form.add("service", service);
      }
      form.add("scope", String.join(" ", scopes));
      request =
          new Request.Builder()
              .url(realm)
              .header("User-Agent", userAgent)
              .post(form.build())
              .build();
    } else {
      HttpUrl.Builder url = realm.newBuilder();
      if (service != null) {
        url.addQueryParameter("service", service);
      }
      for (String s : scopes) {
        url.addQueryParameter("scope", s);
      }
      Request.Builder rb = new Request.Builder().header("User-Agent", userAgent);
      if (t.hasBasic()) {
        url.addQueryParameter("account", t.auth.username());
        rb.header("Authorization", basic(t.auth));
      }
      request = rb.url(url.build()).get().build();
    }
    LOG.debug("registry {}: fetching token for {} from {}", t.domain, t.scope, realmHost);
    try (Response r = client.newCall(request).execute()) {
      if (r.code() == 401 || r.code() == 403) {
        throw refused(t, r.code());
      }
      if (!r.isSuccessful()) {
        throw new ApiException(
            r.code(),
            "token service "
                + realmHost
                + " of registry "
                + t.domain
                + " answered "
                + r.code()
                + " for "
                + t.path);
      }
      byte[] body = read(t, r, MAX_SMALL_BYTES, "token");
      JsonNode json;
      try {
        json = JSON.readTree(body);
      } catch (IOException e) {
        json = null;
      }
      String token = json == null ? null : text(json, "token");
      if (token == null || token.isEmpty()) {
        token = json == null ? null : text(json, "access_token");
      }
      if (token == null || token.isEmpty()) {
        throw new ApiException(
            502,
            "token service "
                + realmHost
                + " of registry "
                + t.domain
                + " answered without a token");
      }
      long expiresIn = json.path("expires_in").asLong(0);
      Duration lifetime = expiresIn > 0 ? Duration.ofSeconds(expiresIn) : DEFAULT_TOKEN_LIFETIME;
      Instant issued = Instant.now();
      String issuedAt = text(json, "issued_at");
      if (issuedAt != null) {
        try {
          Instant parsed = Instant.parse(issuedAt);
          // Trust the server's issue time only when the clocks roughly agree.
          if (Duration.between(parsed, issued).abs().compareTo(Duration.ofMinutes(5)) < 0) {
            issued = parsed;
          }
        } catch (RuntimeException ignored) {
          // keep the local time
        }
      }
      Instant expires = issued.plus(lifetime);
      Instant withMargin = expires.minus(TOKEN_MARGIN);
      return new Token(token, withMargin.isAfter(issued) ? withMargin : expires);
    } catch (IOException e) {
      throw new EngineUnavailableException(
          "token service " + realmHost + " of registry " + t.domain + " unreachable: " + reason(e),
          e);
    }
  }

  /** Executes one request over the registry's scheme (see {@link #scheme}). */
  private Response execute(
      Target t, String method, String pathAndQuery, String accept, String authorization) {
    boolean insecure = isInsecure(t.host);
    String scheme = scheme(t, insecure);
    HttpUrl url = HttpUrl.parse(scheme + "://" + t.host + pathAndQuery);
    if (url == null) {
      throw new InvalidArgumentException(
          "cannot build a registry URL for " + t.domain + "/" + t.path);
    }
    Request.Builder rb =
        new Request.Builder().url(url).method(method, null).header("User-Agent", userAgent);
    if (accept != null) {
      rb.header("Accept", accept);
    }
    if (authorization != null) {
      rb.header("Authorization", authorization);
    }
    OkHttpClient client = insecure && scheme.equals("https") ? insecureClient : secureClient;
    try {
      Response r = client.newCall(rb.build()).execute();
      schemes.put(t.host, scheme);
      LOG.debug("registry {}: {} {} -> {}", t.domain, method, url.encodedPath(), r.code());
      return r;
    } catch (IOException e) {
      LOG.debug("registry {}: {} {} failed: {}", t.domain, method, url, reason(e));
      throw new EngineUnavailableException(
          "registry " + t.domain + " unreachable: " + reason(e), e);
    }
  }

  /**
   * The scheme to use: the one that last worked; {@code https} for a secure registry; for an
   * insecure one, what a quick unauthenticated {@code GET /v2/} ping finds (see the class comment).
   */
  private String scheme(Target t, boolean insecure) {
    String known = schemes.get(t.host);
    if (known != null) {
      return known;
    }
    if (!insecure) {
      return "https";
    }
    if (!hostOf(t.host).equals(t.host)) {
      // host:port — one port speaks one protocol. Ask in plain HTTP first: a TLS listener fails
      // fast on it (or answers 400), while some plain-HTTP servers never answer a TLS hello.
      try (Response r = ping(t, "http")) {
        if (r.code() != 400) {
          LOG.debug("registry {}: speaks plain HTTP (GET /v2/ -> {})", t.domain, r.code());
          return "http";
        }
      } catch (IOException e) {
        LOG.debug("registry {}: no plain HTTP ({})", t.domain, reason(e));
      }
      return "https";
    }
    // Default ports (443 and 80): HTTPS preferred, as Docker does.
    try (Response r = ping(t, "https")) {
      LOG.debug("registry {}: speaks HTTPS (GET /v2/ -> {})", t.domain, r.code());
      return "https";
    } catch (IOException e) {
      LOG.debug("registry {}: no HTTPS ({}), using plain HTTP", t.domain, reason(e));
      return "http";
    }
  }

  private Response ping(Target t, String scheme) throws IOException {
    HttpUrl url = HttpUrl.parse(scheme + "://" + t.host + "/v2/");
    if (url == null) {
      throw new InvalidArgumentException("cannot build a registry URL for " + t.domain);
    }
    Request request = new Request.Builder().url(url).header("User-Agent", userAgent).get().build();
    return probeClient.newCall(request).execute();
  }

  private ApiException refused(Target t, int status) {
    String msg;
    if (!t.hasCredentials()) {
      msg =
          "registry "
              + t.domain
              + (status == 403 ? " denied access to " : " requires authentication for ")
              + t.path
              + " (no credentials given; the repository may not exist or may be private)";
    } else if (status == 403) {
      msg = "registry " + t.domain + " denied access to " + t.path + " for the given credentials";
    } else {
      msg = "registry " + t.domain + " refused credentials for " + t.path;
    }
    return new ApiException(status, msg);
  }

  private void check(Target t, Response r, String what) {
    if (r.isSuccessful()) {
      return;
    }
    throw new ApiException(
        r.code(),
        "registry " + t.domain + " answered " + r.code() + " to " + what + errorSuffix(r));
  }

  private String notFound(Target t, String what, Response r) {
    return "image " + what + " not found in registry " + t.domain + errorSuffix(r);
  }

  /** {@code ": CODE message"} from a registry error body, or empty. Consumes the body. */
  private static String errorSuffix(Response r) {
    ResponseBody body = r.body();
    if (body == null) {
      return "";
    }
    try {
      BufferedSource src = body.source();
      src.request(64 * 1024);
      byte[] bytes = src.getBuffer().readByteArray(Math.min(src.getBuffer().size(), 64 * 1024));
      if (bytes.length == 0) {
        return "";
      }
      JsonNode json = JSON.readTree(bytes);
      JsonNode first = json.path("errors").path(0);
      String code = text(first, "code");
      String message = text(first, "message");
      StringBuilder b = new StringBuilder();
      if (code != null) {
        b.append(code);
      }
      if (message != null && !message.isEmpty()) {
        b.append(b.length() > 0 ? " " : "").append(message);
      }
      if (b.length() == 0) {
        return "";
      }
      String s = b.toString().replaceAll("\\s+", " ");
      return ": " + (s.length() > 200 ? s.substring(0, 200) + "..." : s);
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private String nextPage(Target t, String link) {
    if (link == null) {
      return null;
    }
    Matcher m = LINK_NEXT.matcher(link);
    if (!m.find()) {
      return null;
    }
    HttpUrl base = HttpUrl.parse("https://" + t.host + "/v2/");
    HttpUrl next = base == null ? null : base.resolve(m.group(1));
    if (next == null || !next.encodedPath().startsWith("/v2/")) {
      throw new EngineException(
          "registry " + t.domain + " sent an unusable tag pagination link for " + t.path);
    }
    // Only the path and query are used: the next page comes from the same registry.
    String query = next.encodedQuery();
    return next.encodedPath() + (query == null ? "" : "?" + query);
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  private static byte[] read(Target t, Response r, long max, String what) {
    ResponseBody body = r.body();
    if (body == null) {
      return new byte[0];
    }
    if (body.contentLength() > max) {
      throw new EngineException(
          "registry " + t.domain + " served a " + what + " larger than " + max + " bytes");
    }
    try {
      BufferedSource src = body.source();
      if (src.request(max + 1)) {
        throw new EngineException(
            "registry " + t.domain + " served a " + what + " larger than " + max + " bytes");
      }
      return src.readByteArray();
    } catch (IOException e) {
      throw new EngineUnavailableException(
          "registry " + t.domain + " unreachable while reading " + what + ": " + reason(e), e);
    }
  }

  private static JsonNode parseJson(Target t, byte[] body, String what) {
    try {
      JsonNode node = JSON.readTree(body);
      if (node == null || !node.isObject()) {
        throw new EngineException(
            "registry " + t.domain + " served a " + what + " that is not a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new EngineException(
          "registry " + t.domain + " served a " + what + " that is not valid JSON");
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  private static String mediaType(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return null;
    }
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi))
        .trim()
        .toLowerCase(Locale.ROOT);
  }

  static String sha256(byte[] bytes) {
    try {
      return "sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String basic(AuthConfig auth) {
    return Credentials.basic(auth.username(), auth.password(), StandardCharsets.UTF_8);
  }

  /** A fingerprint of the credentials, to key cached tokens without holding raw secrets as keys. */
  private static String credentialKey(AuthConfig auth) {
    if (auth == null) {
      return "";
    }
    String material =
        String.join(
            "\u0000",
            String.valueOf(auth.username()),
            String.valueOf(auth.password()),
            String.valueOf(auth.identityToken()),
            String.valueOf(auth.registryToken()));
    return sha256(material.getBytes(StandardCharsets.UTF_8));
  }

  /** A short reason for a transport failure: the innermost useful message. */
  static String reason(Throwable e) {
    if (e == null) {
      return "unknown error";
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (c instanceof ConnectException
          && m != null
          && m.toLowerCase(Locale.ROOT).contains("refused")) {
        return "Connection refused";
      }
      if (c instanceof ConnectException && c.getCause() == null) {
        return m == null ? "connection failed" : m;
      }
      if (c instanceof UnknownHostException) {
        return "unknown host " + c.getMessage();
      }
      if (c instanceof NoRouteToHostException) {
        return "no route to host";
      }
      if (c instanceof SocketTimeoutException
          || (c instanceof InterruptedIOException && "timeout".equals(c.getMessage()))) {
        return m == null || m.isBlank() ? "timeout" : m;
      }
      if (c instanceof SSLException) {
        return "TLS error: " + c.getMessage();
      }
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    return m == null || m.isBlank() ? root.getClass().getSimpleName() : m;
  }

  /**
   * Lowercases and strips a scheme and any path: {@code https://Host:5000/v1/} → {@code host:5000}.
   */
  static String normaliseRegistry(String registry) {
    if (registry == null) {
      return "";
    }
    String r = registry.trim().toLowerCase(Locale.ROOT);
    if (r.startsWith("https://")) {
      r = r.substring("https://".length());
    } else if (r.startsWith("http://")) {
      r = r.substring("http://".length());
    }
    int slash = r.indexOf('/');
    return slash < 0 ? r : r.substring(0, slash);
  }

  /** The host of {@code host[:port]}, IPv6 literals keeping their brackets. */
  static String hostOf(String registry) {
    if (registry.startsWith("[")) {
      int close = registry.indexOf(']');
      return close < 0 ? registry : registry.substring(0, close + 1);
    }
    int colon = registry.lastIndexOf(':');
    return colon < 0 || registry.indexOf(':') != colon ? registry : registry.substring(0, colon);
  }

  /**
   * Loopback by its literal form only (no DNS): {@code localhost}, {@code 127.x.y.z}, {@code ::1}.
   */
  static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.equals("localhost") || h.endsWith(".localhost")) {
      return true;
    }
    if (h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
      for (String part : h.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          return false;
        }
      }
      return true;
    }
    return h.matches("(?:0{0,4}:){2,7}0{0,3}1") || h.equals("::1");
  }

  /** Parses {@code WWW-Authenticate} values into challenges (scheme lowercased). */
  static List<Challenge> parseChallenges(List<String> headers) {
    List<Challenge> out = new ArrayList<>();
    for (String header : headers) {
      int i = 0;
      int n = header.length();
      Challenge current = null;
      while (i < n) {
        while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ',')) {
          i++;
        }
        int start = i;
        while (i < n && isTokenChar(header.charAt(i))) {
          i++;
        }
        if (start == i) {
          i++; // skip a stray character
          continue;
        }
        String token = header.substring(start, i);
        int j = i;
        while (j < n && header.charAt(j) == ' ') {
          j++;
        }
        if (j < n && header.charAt(j) == '=' && current != null) {
          // a parameter of the current challenge
          j++;
          while (j < n && header.charAt(j) == ' ') {
            j++;
          }
          StringBuilder value = new StringBuilder();
          if (j < n && header.charAt(j) == '"') {
            j++;
            while (j < n && header.charAt(j) != '"') {
              char ch = header.charAt(j);
              if (ch == '\\' && j + 1 < n) {
                j++;
                ch = header.charAt(j);
              }
              value.append(ch);
              j++;
            }
            j++; // closing quote
          } else {
            while (j < n && header.charAt(j) != ',' && header.charAt(j) != ' ') {
              value.append(header.charAt(j));
              j++;
            }
          }
          current.params.put(token.toLowerCase(Locale.ROOT), value.toString());
          i = j;
        } else {
          current = new Challenge(token.toLowerCase(Locale.ROOT), new LinkedHashMap<>());
          out.add(current);
        }
      }
    }
    return out;
  }

  private static boolean isTokenChar(char c) {
    return c > ' ' && c < 127 && "()<>@,;:\\\"[]?={} ".indexOf(c) < 0;
  }

  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
