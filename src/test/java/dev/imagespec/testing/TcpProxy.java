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

/**
 * A loopback TCP proxy that a test can cut and restore: {@link #cut()} closes the listening socket
 * (new connections are refused) and every open connection (watches and requests in flight drop);
 * {@link #restore()} listens again on the same port. In front of the {@link MockApiServer}, an API
 * server outage whose server keeps its objects.
 */
public final class TcpProxy implements AutoCloseable {
  private final InetSocketAddress target;
  private final int port;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile ServerSocket server;
  private volatile boolean closed;

  /** Forwards a free loopback port to {@code 127.0.0.1:targetPort}. */
  public TcpProxy(int targetPort) throws IOException {
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    ServerSocket s = listen(0);
    this.port = s.getLocalPort();
    start(s);
  }

  /** The proxy's URL, {@code http://127.0.0.1:PORT/}. */
  public String url() {
    return "http://127.0.0.1:" + port + "/";
  }

  public int port() {
    return port;
  }

  /** True while it accepts connections. */
  public boolean up() {
    ServerSocket s = server;
    return s != null && !s.isClosed();
  }

  /** Refuses new connections and drops the open ones. */
  public synchronized void cut() {
    ServerSocket s = server;
    server = null;
    close(s);
    for (Socket c : open) {
      close(c);
    }
    open.clear();
  }

  /** Accepts connections again, on the same port. */
  public synchronized void restore() throws IOException {
    if (up()) {
      return;
    }
    start(listen(port));
  }

  private static ServerSocket listen(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    return s;
  }

  private void start(ServerSocket s) {
    server = s;
    Thread t = new Thread(() -> accept(s), "tcp-proxy");
    t.setDaemon(true);
    t.start();
  }

  private void accept(ServerSocket s) {
    while (!s.isClosed() && !closed) {
      Socket client;
      try {
        client = s.accept();
      } catch (IOException e) {
        return; // cut or closed
      }
      Socket upstream = new Socket();
      try {
        upstream.connect(target, 5000);
      } catch (IOException e) {
        close(client);
        close(upstream);
        continue;
      }
      open.add(client);
      open.add(upstream);
      if (server != s) { // cut while connecting
        close(client);
        close(upstream);
        return;
      }
      pump(client, upstream);
      pump(upstream, client);
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                byte[] buf = new byte[16 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException ignored) {
                // a side closed
              } finally {
                close(from);
                close(to);
                open.remove(from);
                open.remove(to);
              }
            },
            "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void close(java.io.Closeable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    cut();
  }

  @Override
  public String toString() {
    return "TcpProxy[" + url() + " -> " + target + (up() ? "" : ", cut") + "]";
  }
}
