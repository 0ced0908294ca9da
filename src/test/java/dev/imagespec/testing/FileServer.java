package dev.imagespec.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A tiny HTTP server on 127.0.0.1 (a free port) serving files and byte arrays, for what the engines
 * fetch themselves (import from a URL, remote build contexts). Close it after the test.
 */
public final class FileServer implements AutoCloseable {
  private final HttpServer server;
  private final Map<String, Object> content = new ConcurrentHashMap<>();

  public FileServer() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            Object c = content.get(exchange.getRequestURI().getPath());
            if (c == null) {
              exchange.sendResponseHeaders(404, -1);
              return;
            }
            if (c instanceof byte[] bytes) {
              exchange.sendResponseHeaders(200, bytes.length);
              exchange.getResponseBody().write(bytes);
            } else {
              Path p = (Path) c;
              exchange.sendResponseHeaders(200, Files.size(p));
              try (InputStream in = Files.newInputStream(p);
                  OutputStream out = exchange.getResponseBody()) {
                in.transferTo(out);
              }
            }
          }
        });
    server.start();
  }

  /** Serves {@code bytes} at {@code path}; returns its URL. */
  public String serve(String path, byte[] bytes) {
    content.put(path, bytes);
    return url(path);
  }

  /** Serves a file at {@code path}; returns its URL. */
  public String serve(String path, Path file) {
    content.put(path, file);
    return url(path);
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
