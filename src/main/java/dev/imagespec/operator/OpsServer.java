package dev.imagespec.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * A small HTTP server for the kubelet and Prometheus: {@code /metrics} (Prometheus text), {@code
 * /healthz} (the process works: 200 unless a check says otherwise) and {@code /readyz} (the
 * controllers started and, for an agent, the engine answers). JDK's built-in server, two threads.
 */
public final class OpsServer implements AutoCloseable {
  /** A health check: null when healthy, else why not. */
  @FunctionalInterface
  public interface Check extends Supplier<String> {}

  private final HttpServer server;
  private final ExecutorService executor;

  private OpsServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Starts listening on {@code address} (port 0 picks a free port). */
  public static OpsServer start(InetSocketAddress address, Metrics metrics, Check live, Check ready)
      throws IOException {
    HttpServer server = HttpServer.create(address, 16);
    ExecutorService executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "imagespec-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext(
        "/metrics",
        ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
    server.createContext("/healthz", ex -> check(ex, live));
    server.createContext("/readyz", ex -> check(ex, ready));
    server.start();
    return new OpsServer(server, executor);
  }

  /** The port it listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void check(HttpExchange ex, Check check) throws IOException {
    String problem;
    try {
      problem = check.get();
    } catch (RuntimeException e) {
      problem = e.toString();
    }
    if (problem == null) {
      respond(ex, 200, "text/plain; charset=utf-8", "ok\n");
    } else {
      respond(ex, 503, "text/plain; charset=utf-8", problem + "\n");
    }
  }

  private static void respond(HttpExchange ex, int code, String type, String body)
      throws IOException {
    try (ex) {
      if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        ex.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      boolean head = "HEAD".equals(ex.getRequestMethod());
      ex.sendResponseHeaders(code, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(1);
    executor.shutdownNow();
  }
}
