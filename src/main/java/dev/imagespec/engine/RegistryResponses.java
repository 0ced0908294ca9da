package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import okhttp3.HttpUrl;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/**
 * Decoding of registry answers for {@link RegistryClient}: bounded body reads, JSON objects, status
 * checks with the registry's error message ({@code {"errors": [{"code", "message"}]}}), {@code
 * Link} pagination, content digests, and a short reason for a transport failure.
 */
final class RegistryResponses {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LINK_NEXT = Pattern.compile("<([^>]*)>\\s*;[^,]*rel=\"?next\"?");

  private RegistryResponses() {}

  static void check(RegistryTarget t, Response r, String what) {
    if (r.isSuccessful()) {
      return;
    }
    throw new ApiException(
        r.code(),
        "registry "
            + t.domain()
            + " answered "
            + r.code()
            + " to "
            + what
            + errorSuffix(r)
            + retryHint(r));
  }

  /**
   * For an answer that {@link RegistryRetries} retries (429, 5xx): what to do now that the retries
   * are spent or the registry asked for a longer wait than one request may take; else empty.
   */
  static String retryHint(Response r) {
    if (!RegistryRetries.retriable(r.code())) {
      return "";
    }
    String after = r.header("Retry-After");
    java.time.Duration asked = RegistryRetries.retryAfter(after, java.time.Instant.now());
    if (asked != null && asked.compareTo(RegistryRetries.MAX_WAIT) > 0) {
      return "; it asks to retry after "
          + asked.toSeconds()
          + " s, longer than the "
          + RegistryRetries.MAX_WAIT.toSeconds()
          + " s one request waits: the next attempt will be later";
    }
    return "; still failing after "
        + RegistryRetries.MAX_ATTEMPTS
        + " attempts: retry later or check the registry";
  }

  static String notFound(RegistryTarget t, String what, Response r) {
    return "image " + what + " not found in registry " + t.domain() + errorSuffix(r);
  }

  /** {@code ": CODE message"} from a registry error body, or empty. Consumes the body. */
  static String errorSuffix(Response r) {
    String s = errorBody(r).text();
    return s.isEmpty() ? "" : ": " + s;
  }

  /**
   * The first error of a registry error body ({@code code}, {@code message}; either may be null).
   */
  record ErrorBody(String code, String message) {
    static final ErrorBody NONE = new ErrorBody(null, null);

    /** {@code "CODE message"}, whitespace collapsed and at most 200 characters, or empty. */
    String text() {
      StringBuilder b = new StringBuilder();
      if (code != null) {
        b.append(code);
      }
      if (message != null && !message.isEmpty()) {
        b.append(b.length() > 0 ? " " : "").append(message);
      }
      String s = b.toString().replaceAll("\\s+", " ").trim();
      return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
  }

  /**
   * The registry's error from {@code {"errors": [...]}}, or {@link ErrorBody#NONE}. Consumes the
   * body.
   */
  static ErrorBody errorBody(Response r) {
    ResponseBody body = r.body();
    if (body == null) {
      return ErrorBody.NONE;
    }
    try {
      BufferedSource src = body.source();
      src.request(64 * 1024);
      byte[] bytes = src.getBuffer().readByteArray(Math.min(src.getBuffer().size(), 64 * 1024));
      if (bytes.length == 0) {
        return ErrorBody.NONE;
      }
      JsonNode json = JSON.readTree(bytes);
      JsonNode first = json.path("errors").path(0);
      return new ErrorBody(text(first, "code"), text(first, "message"));
    } catch (IOException | RuntimeException e) {
      return ErrorBody.NONE;
    }
  }

  static String nextPage(RegistryTarget t, String link) {
    if (link == null) {
      return null;
    }
    Matcher m = LINK_NEXT.matcher(link);
    if (!m.find()) {
      return null;
    }
    HttpUrl base = HttpUrl.parse("https://" + t.host() + "/v2/");
    HttpUrl next = base == null ? null : base.resolve(m.group(1));
    if (next == null || !next.encodedPath().startsWith("/v2/")) {
      throw new EngineException(
          "registry " + t.domain() + " sent an unusable tag pagination link for " + t.path());
    }
    // Only the path and query are used: the next page comes from the same registry.
    String query = next.encodedQuery();
    return next.encodedPath() + (query == null ? "" : "?" + query);
  }

  static byte[] read(RegistryTarget t, Response r, long max, String what) {
    ResponseBody body = r.body();
    if (body == null) {
      return new byte[0];
    }
    if (body.contentLength() > max) {
      throw new EngineException(
          "registry " + t.domain() + " served a " + what + " larger than " + max + " bytes");
    }
    try {
      BufferedSource src = body.source();
      if (src.request(max + 1)) {
        throw new EngineException(
            "registry " + t.domain() + " served a " + what + " larger than " + max + " bytes");
      }
      return src.readByteArray();
    } catch (IOException e) {
      throw new EngineUnavailableException(
          "registry " + t.domain() + " unreachable while reading " + what + ": " + reason(e), e);
    }
  }

  static JsonNode parseJson(RegistryTarget t, byte[] body, String what) {
    try {
      JsonNode node = JSON.readTree(body);
      if (node == null || !node.isObject()) {
        throw new EngineException(
            "registry " + t.domain() + " served a " + what + " that is not a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new EngineException(
          "registry " + t.domain() + " served a " + what + " that is not valid JSON");
    }
  }

  static String text(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  static String mediaType(String contentType) {
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
}
