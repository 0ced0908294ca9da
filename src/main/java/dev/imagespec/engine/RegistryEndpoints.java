package dev.imagespec.engine;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where and how {@link RegistryClient} reaches a registry: which registries are insecure (listed,
 * or loopback), which scheme each speaks (found by a short unauthenticated {@code GET /v2/} ping,
 * then remembered), and the HTTP clients for verified TLS, unverified TLS and the probe. See the
 * "Scheme" section of {@link RegistryClient}.
 */
final class RegistryEndpoints {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryEndpoints.class);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

  private final OkHttpClient secureClient;
  private final OkHttpClient insecureClient;

  /** {@link #insecureClient} with short timeouts, to find out whether a registry speaks TLS. */
  private final OkHttpClient probeClient;

  private final Set<String> insecureRegistries;
  private final String userAgent;

  /** Registry host[:port] → the scheme that answered last. */
  private final Map<String, String> schemes = new ConcurrentHashMap<>();

  /**
   * @param secureClient the client for verified HTTPS and plain HTTP
   * @param insecureRegistries {@code host} or {@code host:port}, a scheme or path ignored
   */
  RegistryEndpoints(
      OkHttpClient secureClient, Collection<String> insecureRegistries, String userAgent) {
    this.secureClient = secureClient;
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
    for (String r : insecureRegistries) {
      String n = RegistryNames.strip(r);
      if (!n.isEmpty()) {
        insecure.add(n);
      }
    }
    this.insecureRegistries = Set.copyOf(insecure);
    this.userAgent = userAgent;
  }

  String userAgent() {
    return userAgent;
  }

  /**
   * True when {@code registry} (host[:port]) may be reached over plain HTTP or unverified TLS:
   * loopback hosts and those listed as insecure.
   */
  boolean isInsecure(String registry) {
    String r = RegistryNames.strip(registry);
    String host = RegistryNames.hostOf(r);
    if (isLoopback(host)) {
      return true;
    }
    return insecureRegistries.contains(r) || insecureRegistries.contains(host);
  }

  /**
   * The client for a URL outside the registry's own scheme probing (a token realm): unverified TLS
   * for an {@code https} URL of an insecure host, else the verifying client.
   */
  OkHttpClient clientFor(boolean https, boolean insecureHost) {
    return https && insecureHost ? insecureClient : secureClient;
  }

  /** Executes one request over the registry's scheme (see {@link #scheme}). */
  Response execute(
      RegistryTarget t, String method, String pathAndQuery, String accept, String authorization) {
    return execute(t, method, pathAndQuery, accept, authorization, null);
  }

  /**
   * Executes one request over the registry's scheme (see {@link #scheme}), with a request body
   * (null for none).
   */
  Response execute(
      RegistryTarget t,
      String method,
      String pathAndQuery,
      String accept,
      String authorization,
      RequestBody body) {
    boolean insecure = isInsecure(t.host());
    String scheme = scheme(t, insecure);
    HttpUrl url = HttpUrl.parse(scheme + "://" + t.host() + pathAndQuery);
    if (url == null) {
      throw new InvalidArgumentException(
          "cannot build a registry URL for " + t.domain() + "/" + t.path());
    }
    OkHttpClient client = insecure && scheme.equals("https") ? insecureClient : secureClient;
    Response r = call(t, client, method, url, accept, authorization, body);
    schemes.put(t.host(), scheme);
    return r;
  }

  /**
   * Executes one request to a URL on another host than the registry's (an upload location
   * elsewhere), without credentials: they belong to the registry.
   */
  Response executeElsewhere(RegistryTarget t, String method, HttpUrl url, RequestBody body) {
    String host =
        url.port() == HttpUrl.defaultPort(url.scheme())
            ? url.host()
            : url.host() + ":" + url.port();
    OkHttpClient client = clientFor(url.isHttps(), isInsecure(host));
    return call(t, client, method, url, null, null, body);
  }

  /**
   * The path and query of {@code url} when it is on the registry's host (whatever its scheme), else
   * null: then it is another host's URL.
   */
  static String onRegistry(RegistryTarget t, HttpUrl url) {
    HttpUrl registry = HttpUrl.parse("http://" + t.host() + "/");
    boolean explicitPort = !RegistryNames.hostOf(t.host()).equals(t.host());
    boolean same =
        registry != null
            && url.host().equalsIgnoreCase(registry.host())
            && url.port() == (explicitPort ? registry.port() : HttpUrl.defaultPort(url.scheme()));
    if (!same) {
      return null;
    }
    String query = url.encodedQuery();
    return url.encodedPath() + (query == null ? "" : "?" + query);
  }

  /** {@code location} resolved against {@code base} (a path on the registry). */
  static HttpUrl resolve(RegistryTarget t, String base, String location) {
    HttpUrl b = HttpUrl.parse("http://" + t.host() + base);
    HttpUrl resolved = b == null || location == null ? null : b.resolve(location.trim());
    if (resolved == null) {
      throw new EngineException(
          "registry "
              + t.domain()
              + " answered with an unusable Location for "
              + t.path()
              + ": "
              + (location == null ? "none" : "'" + location + "'"));
    }
    return resolved;
  }

  private Response call(
      RegistryTarget t,
      OkHttpClient client,
      String method,
      HttpUrl url,
      String accept,
      String authorization,
      RequestBody body) {
    if (body == null && (method.equals("POST") || method.equals("PUT"))) {
      body = RequestBody.create(new byte[0], null);
    }
    Request.Builder rb =
        new Request.Builder().url(url).method(method, body).header("User-Agent", userAgent);
    if (accept != null) {
      rb.header("Accept", accept);
    }
    if (authorization != null) {
      rb.header("Authorization", authorization);
    }
    Request request = rb.build();
    String what = method + " " + url.encodedPath() + " on registry " + t.domain();
    Duration waited = Duration.ZERO;
    for (int attempt = 1; ; attempt++) {
      Response r;
      try {
        okhttp3.Call call = client.newCall(request);
        Deadline.apply(call, "registry " + t.domain() + " " + method + " " + url.encodedPath());
        r = call.execute();
        LOG.debug("registry {}: {} {} -> {}", t.domain(), method, url.encodedPath(), r.code());
      } catch (IOException e) {
        LOG.debug(
            "registry {}: {} {} failed: {}",
            t.domain(),
            method,
            url.encodedPath(),
            RegistryResponses.reason(e));
        // the operation's deadline first: a blob source cut by it (a CRI push reading containerd's
        // content) is a timeout, not a broken source
        java.util.Optional<Deadline> d = Deadline.cutting(e);
        if (d.isPresent()) {
          throw d.get().exceeded("registry " + t.domain() + " " + method, e);
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
          if (c instanceof BlobSourceException source) {
            throw new EngineException(source.getMessage(), source.getCause());
          }
        }
        Duration wait = RegistryRetries.backoff(attempt);
        if (attempt < RegistryRetries.MAX_ATTEMPTS
            && RegistryRetries.retriable(method, e)
            && waited.plus(wait).compareTo(RegistryRetries.MAX_WAIT) <= 0) {
          LOG.info(
              "registry {}: {} {} failed ({}), retrying in {} ms",
              t.domain(),
              method,
              url.encodedPath(),
              RegistryResponses.reason(e),
              wait.toMillis());
          RegistryRetries.sleep(wait, what);
          waited = waited.plus(wait);
          continue;
        }
        throw new EngineUnavailableException(
            "registry " + t.domain() + " unreachable: " + RegistryResponses.reason(e), e);
      }
      if (!RegistryRetries.retriable(r.code()) || attempt >= RegistryRetries.MAX_ATTEMPTS) {
        return r;
      }
      Duration asked = RegistryRetries.retryAfter(r.header("Retry-After"), Instant.now());
      Duration wait = asked != null ? asked : RegistryRetries.backoff(attempt);
      if (waited.plus(wait).compareTo(RegistryRetries.MAX_WAIT) > 0) {
        return r; // longer than a request may wait: the caller reports the answer
      }
      LOG.info(
          "registry {}: {} {} answered {}, retrying in {} ms{}",
          t.domain(),
          method,
          url.encodedPath(),
          r.code(),
          wait.toMillis(),
          asked != null ? " (Retry-After)" : "");
      r.close();
      RegistryRetries.sleep(wait, what);
      waited = waited.plus(wait);
    }
  }

  /**
   * Thrown by an upload's request body when its source fails or does not hold the bytes promised: a
   * problem of the source, not of the registry's reachability.
   */
  static final class BlobSourceException extends IOException {
    BlobSourceException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The scheme to use: the one that last worked; {@code https} for a secure registry; for an
   * insecure one, what a quick unauthenticated {@code GET /v2/} ping finds (see the class comment).
   */
  private String scheme(RegistryTarget t, boolean insecure) {
    String known = schemes.get(t.host());
    if (known != null) {
      return known;
    }
    if (!insecure) {
      return "https";
    }
    if (!RegistryNames.hostOf(t.host()).equals(t.host())) {
      // host:port — one port speaks one protocol. Ask in plain HTTP first: a TLS listener fails
      // fast on it (or answers 400), while some plain-HTTP servers never answer a TLS hello.
      try (Response r = ping(t, "http")) {
        if (r.code() != 400) {
          LOG.debug("registry {}: speaks plain HTTP (GET /v2/ -> {})", t.domain(), r.code());
          return "http";
        }
      } catch (IOException e) {
        LOG.debug("registry {}: no plain HTTP ({})", t.domain(), RegistryResponses.reason(e));
      }
      return "https";
    }
    // Default ports (443 and 80): HTTPS preferred, as Docker does.
    try (Response r = ping(t, "https")) {
      LOG.debug("registry {}: speaks HTTPS (GET /v2/ -> {})", t.domain(), r.code());
      return "https";
    } catch (IOException e) {
      LOG.debug(
          "registry {}: no HTTPS ({}), using plain HTTP", t.domain(), RegistryResponses.reason(e));
      return "http";
    }
  }

  private Response ping(RegistryTarget t, String scheme) throws IOException {
    HttpUrl url = HttpUrl.parse(scheme + "://" + t.host() + "/v2/");
    if (url == null) {
      throw new InvalidArgumentException("cannot build a registry URL for " + t.domain());
    }
    Request request = new Request.Builder().url(url).header("User-Agent", userAgent).get().build();
    return probeClient.newCall(request).execute();
  }

  private static Duration shorter(int millis, Duration limit) {
    return millis <= 0 || millis > limit.toMillis() ? limit : Duration.ofMillis(millis);
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
}
