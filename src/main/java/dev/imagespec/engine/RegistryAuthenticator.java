package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Credentials;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registry authentication for {@link RegistryClient}: sends a request and answers one {@code
 * WWW-Authenticate} challenge ({@code Basic} with the username and password, {@code Bearer} with a
 * token from the challenge's realm), caching tokens per registry, scope and credentials until they
 * expire, and the challenge scheme per registry so later requests authenticate up front. See the
 * "Authentication" section of {@link RegistryClient}.
 */
final class RegistryAuthenticator {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryAuthenticator.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_TOKEN_BYTES = 1L << 20;
  private static final int MAX_CACHED_TOKENS = 256; // beyond this, expired tokens are dropped
  private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
  private static final Duration TOKEN_MARGIN = Duration.ofSeconds(5);

  private final RegistryEndpoints endpoints;

  /** Registry host[:port] → the last challenge scheme it sent ({@code basic} or {@code bearer}). */
  private final Map<String, String> challengeSchemes = new ConcurrentHashMap<>();

  private final Map<TokenKey, Token> tokens = new ConcurrentHashMap<>();

  RegistryAuthenticator(RegistryEndpoints endpoints) {
    this.endpoints = endpoints;
  }

  private record TokenKey(String host, String scope, String credentialKey) {}

  private record Token(String value, Instant expires) {}

  /** One {@code WWW-Authenticate} challenge: its scheme (lower case) and parameters. */
  record Challenge(String scheme, Map<String, String> params) {}

  /**
   * Sends a request, answering one authentication challenge. The returned response is neither 401
   * nor (after authenticating) 403; the caller closes it.
   */
  Response send(RegistryTarget t, String method, String pathAndQuery, String accept) {
    return send(t, method, pathAndQuery, accept, null);
  }

  /**
   * {@link #send(RegistryTarget, String, String, String)} with a request body (null for none),
   * which is written again when the request is repeated after a challenge.
   */
  Response send(
      RegistryTarget t, String method, String pathAndQuery, String accept, RequestBody body) {
    String authorization = cachedAuthorization(t);
    Response r = endpoints.execute(t, method, pathAndQuery, accept, authorization, body);
    if (r.code() == 403) {
      try (r) {
        throw refused(t, r);
      }
    }
    if (r.code() != 401) {
      return r;
    }
    List<Challenge> challenges = parseChallenges(r.headers("WWW-Authenticate"));
    r.close();
    if (authorization != null) {
      // A cached token may have been revoked or lack a scope: start over once.
      tokens.remove(new TokenKey(t.host(), t.scope(), t.credentialKey()));
    }
    String fresh = authorize(t, challenges);
    Response again = endpoints.execute(t, method, pathAndQuery, accept, fresh, body);
    if (again.code() == 401 || again.code() == 403) {
      try (again) {
        throw refused(t, again);
      }
    }
    return again;
  }

  private String cachedAuthorization(RegistryTarget t) {
    String scheme = challengeSchemes.get(t.host());
    if ("basic".equals(scheme) && t.hasBasic()) {
      return basic(t.auth());
    }
    if ("bearer".equals(scheme)) {
      Token token = tokens.get(new TokenKey(t.host(), t.scope(), t.credentialKey()));
      if (token != null && Instant.now().isBefore(token.expires)) {
        return "Bearer " + token.value;
      }
    }
    return null;
  }

  private String authorize(RegistryTarget t, List<Challenge> challenges) {
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
      challengeSchemes.put(t.host(), "bearer");
      if (t.auth() != null
          && t.auth().registryToken() != null
          && !t.auth().registryToken().isEmpty()) {
        return "Bearer " + t.auth().registryToken();
      }
      Token token = fetchToken(t, bearer);
      if (tokens.size() >= MAX_CACHED_TOKENS) {
        Instant now = Instant.now();
        tokens.values().removeIf(cached -> !now.isBefore(cached.expires));
      }
      tokens.put(new TokenKey(t.host(), t.scope(), t.credentialKey()), token);
      return "Bearer " + token.value;
    }
    if (basic != null) {
      challengeSchemes.put(t.host(), "basic");
      if (!t.hasBasic() && t.push() && !t.hasCredentials()) {
        throw refused(t, 401, "HTTP 401, basic auth");
      }
      if (!t.hasBasic()) {
        throw new ApiException(
            401,
            "registry "
                + t.domain()
                + " requires authentication for "
                + t.path()
                + (t.hasCredentials()
                    ? " (basic auth needs a username and password)"
                    : " (no credentials given)"));
      }
      return basic(t.auth());
    }
    if (challenges.isEmpty()) {
      throw new ApiException(
          401, "registry " + t.domain() + " requires authentication for " + t.path());
    }
    throw new ApiException(
        401,
        "registry "
            + t.domain()
            + " asks for unsupported authentication scheme '"
            + challenges.get(0).scheme
            + "' for "
            + t.path());
  }

  private Token fetchToken(RegistryTarget t, Challenge c) {
    String realmText = c.params.get("realm");
    HttpUrl realm = realmText == null ? null : HttpUrl.parse(realmText);
    if (realm == null) {
      throw new ApiException(
          401, "registry " + t.domain() + " sent a bearer challenge without a valid realm");
    }
    boolean plain = realm.scheme().equals("http");
    String realmHost =
        realm.port() == HttpUrl.defaultPort(realm.scheme())
            ? realm.host()
            : realm.host() + ":" + realm.port();
    boolean insecureRealm = endpoints.isInsecure(realmHost);
    if (plain && !insecureRealm && t.hasCredentials()) {
      throw new EngineException(
          "registry "
              + t.domain()
              + ": refusing to send credentials to plain-HTTP token service "
              + realmHost);
    }
    Set<String> scopes = new LinkedHashSet<>(t.scopes());
    String challengeScope = c.params.get("scope");
    if (challengeScope != null && !challengeScope.isBlank()) {
      scopes.add(challengeScope);
    }
    String service = c.params.get("service");
    OkHttpClient client = endpoints.clientFor(!plain, insecureRealm);

    Request request;
    String identityToken = t.auth() == null ? null : t.auth().identityToken();
    if (identityToken != null && !identityToken.isEmpty()) {
      FormBody.Builder form =
          new FormBody.Builder()
              .add("grant_type", "refresh_token")
              .add("refresh_token", identityToken)
              .add("client_id", endpoints.userAgent());
      if (service != null) {
        form.add("service", service);
      }
      form.add("scope", String.join(" ", scopes));
      request =
          new Request.Builder()
              .url(realm)
              .header("User-Agent", endpoints.userAgent())
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
      Request.Builder rb = new Request.Builder().header("User-Agent", endpoints.userAgent());
      if (t.hasBasic()) {
        url.addQueryParameter("account", t.auth().username());
        rb.header("Authorization", basic(t.auth()));
      }
      request = rb.url(url.build()).get().build();
    }
    LOG.debug("registry {}: fetching token for {} from {}", t.domain(), t.scope(), realmHost);
    try (Response r = client.newCall(request).execute()) {
      if (r.code() == 401 || r.code() == 403) {
        throw refused(t, r.code(), "token service " + realmHost + " answered HTTP " + r.code());
      }
      if (!r.isSuccessful()) {
        throw new ApiException(
            r.code(),
            "token service "
                + realmHost
                + " of registry "
                + t.domain()
                + " answered "
                + r.code()
                + " for "
                + t.path());
      }
      byte[] body = RegistryResponses.read(t, r, MAX_TOKEN_BYTES, "token");
      JsonNode json;
      try {
        json = JSON.readTree(body);
      } catch (IOException e) {
        json = null;
      }
      String token = json == null ? null : RegistryResponses.text(json, "token");
      if (token == null || token.isEmpty()) {
        token = json == null ? null : RegistryResponses.text(json, "access_token");
      }
      if (token == null || token.isEmpty()) {
        throw new ApiException(
            502,
            "token service "
                + realmHost
                + " of registry "
                + t.domain()
                + " answered without a token");
      }
      long expiresIn = json.path("expires_in").asLong(0);
      Duration lifetime = expiresIn > 0 ? Duration.ofSeconds(expiresIn) : DEFAULT_TOKEN_LIFETIME;
      Instant issued = Instant.now();
      String issuedAt = RegistryResponses.text(json, "issued_at");
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
          "token service "
              + realmHost
              + " of registry "
              + t.domain()
              + " unreachable: "
              + RegistryResponses.reason(e),
          e);
    }
  }

  /** The registry refused a request with {@code r} (401 or 403); reads its error body. */
  static ApiException refused(RegistryTarget t, Response r) {
    String error = t.push() ? RegistryResponses.errorBody(r).text() : "";
    return refused(t, r.code(), "HTTP " + r.code() + (error.isEmpty() ? "" : " " + error));
  }

  /**
   * @param detail what refused, for push messages (e.g. {@code HTTP 401 UNAUTHORIZED ...})
   */
  static ApiException refused(RegistryTarget t, int status, String detail) {
    String msg;
    if (t.push()) {
      String denied = "push to " + t.repository() + " denied (" + detail + "): ";
      if (!t.hasCredentials()) {
        msg = denied + "registry " + t.domain() + " requires credentials and none were given";
      } else if (status == 403) {
        msg = denied + "check that the credentials for " + t.domain() + " may push to " + t.path();
      } else {
        msg = denied + "check the credentials for " + t.domain();
      }
    } else if (!t.hasCredentials()) {
      msg =
          "registry "
              + t.domain()
              + (status == 403 ? " denied access to " : " requires authentication for ")
              + t.path()
              + " (no credentials given; the repository may not exist or may be private)";
    } else if (status == 403) {
      msg =
          "registry " + t.domain() + " denied access to " + t.path() + " for the given credentials";
    } else {
      msg = "registry " + t.domain() + " refused credentials for " + t.path();
    }
    return new ApiException(status, msg);
  }

  private static String basic(AuthConfig auth) {
    return Credentials.basic(auth.username(), auth.password(), StandardCharsets.UTF_8);
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
}
