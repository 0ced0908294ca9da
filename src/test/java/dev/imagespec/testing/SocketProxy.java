package dev.imagespec.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * A unix-socket proxy in front of an engine socket that a test can cut and restore: to a client,
 * {@link #cut()} looks like the engine going away (connections reset, socket gone) and {@link
 * #restore()} like it coming back — an engine restart without touching the real engine.
 */
public final class SocketProxy implements AutoCloseable {
  private final Path listen;
  private final Path target;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile AFUNIXServerSocket server;

  public SocketProxy(Path listen, Path target) {
    this.listen = listen;
    this.target = target;
    restore();
  }

  public String host() {
    return "unix://" + listen;
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
        Socket upstream = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(target));
        open.add(client);
        open.add(upstream);
        pipe(client, upstream);
        pipe(upstream, client);
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void pipe(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
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

  @Override
  public void close() {
    cut();
  }
}
