package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.newsclub.net.unix.AFSocketFactory;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP transport to one engine: pooled OkHttp connections over a unix socket, TCP or TLS. Maps
 * transport failures to {@link EngineUnavailableException} and HTTP errors to {@link ApiException}
 * with the engine's message. Request headers are never logged (they may carry credentials).
 */
final class Transport implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(Transport.class);
  static final ObjectMapper JSON = new ObjectMapper();
  static final MediaType JSON_TYPE = MediaType.get("application/json");
  static final MediaType TAR_TYPE = MediaType.get("application/x-tar");

  private final EngineEndpoint endpoint;
  private final OkHttpClient client;
  private final OkHttpClient streamClient;
  private final HttpUrl base;

  Transport(EngineEndpoint endpoint, Duration connectTimeout, Duration readTimeout) {
    this.endpoint = endpoint;
    OkHttpClient.Builder b =
        new OkHttpClient.Builder()
            .connectionPool(new ConnectionPool(8, 5, TimeUnit.MINUTES))
            .connectTimeout(connectTimeout)
            .readTimeout(readTimeout)
            .writeTimeout(Duration.ZERO)
            .callTimeout(Duration.ZERO)
            .retryOnConnectionFailure(true);
    if (endpoint.isUnix()) {
      try {
        b.socketFactory(
            new AFSocketFactory.FixedAddressSocketFactory(
                AFUNIXSocketAddress.of(endpoint.socketPath())));
      } catch (IOException e) {
        throw new EngineUnavailableException(
            "cannot use engine socket " + endpoint + ": " + e.getMessage(), e);
      }
      base = HttpUrl.get("http://localhost/");
      // plain HTTP only: OkHttp then sets up no TLS (no trust store read at start-up)
      b.connectionSpecs(java.util.List.of(okhttp3.ConnectionSpec.CLEARTEXT));
    } else if (endpoint.tls() != null) {
      TlsConfig.Material m = endpoint.tls().load();
      b.sslSocketFactory(m.context().getSocketFactory(), m.trustManager());
      if (!endpoint.tls().verify()) {
        b.hostnameVerifier((host, session) -> true);
      }
      base =
          new HttpUrl.Builder().scheme("https").host(endpoint.host()).port(endpoint.port()).build();
    } else {
      base =
          new HttpUrl.Builder().scheme("http").host(endpoint.host()).port(endpoint.port()).build();
      b.connectionSpecs(java.util.List.of(okhttp3.ConnectionSpec.CLEARTEXT));
    }
    this.client = b.build();
    // Streams (pull/push progress, tarballs, events) have no read timeout unless asked.
    this.streamClient = client.newBuilder().readTimeout(Duration.ZERO).build();
  }

  EngineEndpoint endpoint() {
    return endpoint;
  }

  HttpUrl.Builder url(String prefix, String path) {
    HttpUrl.Builder u = base.newBuilder();
    if (prefix != null && !prefix.isEmpty()) {
      u.addPathSegments(strip(prefix));
    }
    return u.addPathSegments(strip(path));
  }

  private static String strip(String p) {
    return p.startsWith("/") ? p.substring(1) : p;
  }

  /** Executes a call and returns the successful response; the caller closes it. */
  Response execute(Request request, boolean stream, NotFound notFound) {
    return execute(newCall(request, stream), notFound);
  }

  /**
   * A call not yet executed, for streams that must be cancellable from another thread ({@link
   * Call#cancel()} closes the connection at once, which closing the response body cannot do while
   * another thread reads it).
   */
  Call newCall(Request request, boolean stream) {
    Call call = (stream ? streamClient : client).newCall(request);
    Deadline.apply(call, "engine call " + request.method() + " " + request.url().encodedPath());
    return call;
  }

  /**
   * The error for an I/O failure of a call: {@link DeadlineExceededException} when the calling
   * thread's {@link Deadline} cut it, else {@link EngineUnavailableException} with {@code what}.
   */
  RuntimeException failure(IOException e, String what) {
    return Deadline.cutting(e)
        .<RuntimeException>map(d -> d.exceeded(what, e))
        .orElseGet(() -> new EngineUnavailableException(what + ": " + describe(e), e));
  }

  /** Executes {@code call} and returns the successful response; the caller closes it. */
  Response execute(Call call, NotFound notFound) {
    Request request = call.request();
    if (endpoint.isUnix() && !Files.exists(endpoint.socketPath())) {
      throw new EngineUnavailableException(
          "cannot connect to engine at " + endpoint + ": socket does not exist");
    }
    if (LOG.isDebugEnabled()) {
      LOG.debug(
          "engine call {} {}", request.method(), request.url().encodedPath() + query(request));
    }
    Response response;
    try {
      response = call.execute();
    } catch (IOException e) {
      throw failure(e, "cannot talk to engine at " + endpoint);
    }
    if (response.isSuccessful()) {
      return response;
    }
    try (response) {
      int code = response.code();
      String message = errorMessage(response);
      LOG.debug("engine answered {}: {}", code, message);
      if (code == 404 && notFound == NotFound.IMAGE) {
        throw new ImageNotFoundException(message);
      }
      throw new ApiException(code, message);
    }
  }

  /** Query parameters whose values may carry secrets (build args, URLs with user:password). */
  private static final java.util.Set<String> SECRET_PARAMETERS =
      java.util.Set.of("buildargs", "remote", "url", "fromSrc", "fromsrc");

  /** The query for the debug log, with the values of {@link #SECRET_PARAMETERS} hidden. */
  static String query(Request r) {
    okhttp3.HttpUrl url = r.url();
    if (url.querySize() == 0) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < url.querySize(); i++) {
      b.append(i == 0 ? '?' : '&').append(url.queryParameterName(i));
      String v = url.queryParameterValue(i);
      if (v != null) {
        b.append('=').append(SECRET_PARAMETERS.contains(url.queryParameterName(i)) ? "***" : v);
      }
    }
    return b.toString();
  }

  static String describe(IOException e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }

  /** Whether a 404 means "no such image" (typed) or something else (plain ApiException). */
  enum NotFound {
    IMAGE,
    OTHER
  }

  private static String errorMessage(Response response) {
    ResponseBody body = response.body();
    String text;
    try {
      text = body == null ? "" : body.string();
    } catch (IOException e) {
      text = "";
    }
    if (!text.isBlank()) {
      try {
        JsonNode node = JSON.readTree(text);
        if (node != null && node.hasNonNull("message")) {
          return node.get("message").asText();
        }
        if (node != null && node.hasNonNull("cause")) {
          return node.get("cause").asText();
        }
      } catch (IOException ignored) {
        // not JSON: use the text as is
      }
      return text.strip();
    }
    return "HTTP " + response.code() + " " + response.message();
  }

  Request.Builder request(HttpUrl url, Map<String, String> headers) {
    Request.Builder r = new Request.Builder().url(url);
    if (headers != null) {
      r.headers(Headers.of(headers));
    }
    return r;
  }

  /** Sends a call and parses a JSON answer (null for an empty body). */
  JsonNode json(Request request, NotFound notFound) {
    return json(request, notFound, false);
  }

  /**
   * Sends a call and parses a JSON answer; {@code long} calls (prunes) have no read timeout, as the
   * engine answers only once it has finished.
   */
  JsonNode json(Request request, NotFound notFound, boolean longRunning) {
    try (Response response = execute(request, longRunning, notFound)) {
      ResponseBody body = response.body();
      if (body == null) {
        return null;
      }
      byte[] bytes = body.bytes();
      if (bytes.length == 0) {
        return null;
      }
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw failure(e, "cannot read engine answer from " + endpoint);
    }
  }

  static RequestBody emptyBody() {
    return RequestBody.create(new byte[0], null);
  }

  /** Connections open in the pool, in use or idle (for tests of cancellation). */
  int connectionCount() {
    return client.connectionPool().connectionCount();
  }

  @Override
  public void close() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
