package dev.imagespec.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * A loopback TCP proxy in front of an HTTP/1.1 server (a registry) that records each request line
 * ({@code PUT /v2/x/manifests/1 HTTP/1.1}) the clients send, for tests that count requests made by
 * code they cannot hook into (the operator's aggregator).
 */
public final class RecordingProxy implements AutoCloseable {
  private static final Pattern REQUEST_LINE =
      Pattern.compile("(GET|HEAD|PUT|POST|PATCH|DELETE) (/\\S*) HTTP/1\\.[01]$");

  private final InetSocketAddress target;
  private final ServerSocket server;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  /** Forwards {@code 127.0.0.1:<port>} to {@code target} ({@code host:port}). */
  public RecordingProxy(String target) throws IOException {
    int colon = target.lastIndexOf(':');
    this.target =
        new InetSocketAddress(
            target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::accept, "recording-proxy");
    t.setDaemon(true);
    t.start();
  }

  /** The proxy's {@code 127.0.0.1:port}, a loopback (plain HTTP) registry address. */
  public String address() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** The request lines so far, as {@code METHOD PATH}. */
  public List<String> requests() {
    return List.copyOf(requests);
  }

  /** Request lines so far with this method whose path contains {@code part}. */
  public long count(String method, String part) {
    return requests.stream().filter(r -> r.startsWith(method + " ") && r.contains(part)).count();
  }

  public void clear() {
    requests.clear();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket();
        upstream.connect(target, 5000);
        sockets.add(client);
        sockets.add(upstream);
        pump(client.getInputStream(), upstream.getOutputStream(), true, client, upstream);
        pump(upstream.getInputStream(), client.getOutputStream(), false, client, upstream);
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void pump(InputStream in, OutputStream out, boolean record, Socket a, Socket b) {
    Thread t =
        new Thread(
            () -> {
              StringBuilder line = new StringBuilder();
              byte[] buf = new byte[64 * 1024];
              try {
                int n;
                while ((n = in.read(buf)) > 0) {
                  if (record) {
                    scan(buf, n, line);
                  }
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException ignored) {
                // a side closed
              } finally {
                close(a);
                close(b);
              }
            },
            "recording-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  /** Finds request lines in the bytes clients send (bodies give lines that do not match). */
  private void scan(byte[] buf, int n, StringBuilder line) {
    for (int i = 0; i < n; i++) {
      char c = (char) (buf[i] & 0xff);
      if (c == '\n') {
        String l = line.toString().strip();
        // a body without a final newline runs into the next request line: find it at the end
        java.util.regex.Matcher m = REQUEST_LINE.matcher(l);
        if (m.find()) {
          requests.add(m.group(1) + " " + m.group(2));
        }
        line.setLength(0);
      } else {
        if (line.length() >= 4096) {
          line.delete(0, 2048); // keep the tail, where a request line may start
        }
        line.append(c);
      }
    }
  }

  private static void close(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    sockets.forEach(RecordingProxy::close);
  }

  @Override
  public String toString() {
    return "RecordingProxy[" + address() + " -> " + target + "; " + requests.size() + " requests]";
  }
}
