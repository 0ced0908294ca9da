package dev.imagespec.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * A unix-socket proxy in front of an engine socket that a test can cut and restore: to a client,
 * {@link #cut()} looks like the engine going away (connections reset, socket gone) and {@link
 * #restore()} like it coming back — an engine restart without touching the real engine. It counts
 * the HTTP requests clients send ({@link #requests()}), for tests that prove no engine call was
 * made.
 */
public final class SocketProxy implements AutoCloseable {
  private static final Pattern REQUEST_LINE =
      Pattern.compile("(GET|HEAD|PUT|POST|PATCH|DELETE) (/\\S*) HTTP/1\\.[01]$");

  private final Path listen;
  private final Path target;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();
  private volatile AFUNIXServerSocket server;

  public SocketProxy(Path listen, Path target) {
    this.listen = listen;
    this.target = target;
    restore();
  }

  public String host() {
    return "unix://" + listen;
  }

  /** The request lines clients sent so far ({@code GET /v1.41/images/json}), in order. */
  public List<String> requests() {
    return List.copyOf(requests);
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  /** Starts (again) accepting connections. */
  public synchronized void restore() {
    try {
      Files.deleteIfExists(listen);
      AFUNIXServerSocket s = AFUNIXServerSocket.newInstance();
      s.bind(AFUNIXSocketAddress.of(listen));
      server = s;
      Thread t = new Thread(() -> acceptLoop(s), "socket-proxy");
      t.setDaemon(true);
      t.start();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Drops every connection and the socket file, as a stopped engine does. */
  public synchronized void cut() {
    try {
      server.close();
      for (Socket s : open) {
        s.close();
      }
      open.clear();
      Files.deleteIfExists(listen);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void acceptLoop(AFUNIXServerSocket s) {
    while (!s.isClosed()) {
      try {
        Socket client = s.accept();
        connections.incrementAndGet();
        Socket upstream = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(target));
        open.add(client);
        open.add(upstream);
        pipe(client, upstream, true);
        pipe(upstream, client, false);
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pipe(Socket from, Socket to, boolean fromClient) {
    Thread t =
        new Thread(
            () -> {
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                StringBuilder line = new StringBuilder();
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                  if (fromClient) {
                    scan(buf, n, line);
                  }
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException ignored) {
                // one side closed: close both below
              } finally {
                try {
                  from.close();
                  to.close();
                } catch (IOException ignored) {
                  // already closed
                }
              }
            },
            "socket-proxy-pipe");
    t.setDaemon(true);
    t.start();
  }

  /** Finds request lines in what a client sends (body lines do not match). */
  private void scan(byte[] buf, int n, StringBuilder line) {
    for (int i = 0; i < n; i++) {
      char c = (char) (buf[i] & 0xff);
      if (c == '\n') {
        Matcher m = REQUEST_LINE.matcher(line.toString().strip());
        if (m.find()) {
          requests.add(m.group(1) + " " + m.group(2));
        }
        line.setLength(0);
      } else if (line.length() < 8192) {
        line.append(c);
      }
    }
  }

  @Override
  public void close() {
    cut();
  }
}
