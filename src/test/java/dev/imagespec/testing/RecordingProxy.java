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

  /**
   * Slows what the registry sends to {@code bytesPerSecond} per connection (0: full speed), so that
   * pulls last long enough to overlap.
   */
  public RecordingProxy limit(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
    return this;
  }

  /**
   * The most client processes (e.g. node runtimes) that had a blob {@code GET} in flight at the
   * same time: from its request line until the last byte of its response.
   */
  public int maxClientsFetchingBlobs() {
    return maxFetching.get();
  }

  /**
   * Starts a new peak for {@link #maxClientsFetchingBlobs}: from now on, the most clients fetching
   * at once (those fetching now count).
   */
  public void resetPeak() {
    synchronized (fetching) {
      maxFetching.set((int) fetching.values().stream().filter(n -> n > 0).count());
    }
  }

  /** Client processes with a blob {@code GET} in flight now. */
  public int clientsFetchingBlobs() {
    synchronized (fetching) {
      return (int) fetching.values().stream().filter(n -> n > 0).count();
    }
  }

  private volatile long bytesPerSecond;
  private final java.util.Map<Long, Integer> fetching = new java.util.HashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger maxFetching =
      new java.util.concurrent.atomic.AtomicInteger();

  /** One proxied connection: its client's process, and its requests awaiting their response. */
  private final class Conn {
    final Socket client;
    volatile Long pid;
    final java.util.ArrayDeque<String> waiting = new java.util.ArrayDeque<>();

    Conn(Socket client) {
      this.client = client;
    }

    long pid() {
      Long p = pid;
      if (p == null) {
        p = clientPid(client.getPort(), server.getLocalPort());
        pid = p;
      }
      return p;
    }

    synchronized void requested(String method, String path) {
      String r = method + " " + path;
      waiting.add(r);
      if (blob(r)) {
        fetchingChanged(pid(), 1);
      }
    }

    synchronized String answered() {
      String r = waiting.poll();
      if (r != null && blob(r)) {
        fetchingChanged(pid(), -1);
      }
      return r;
    }

    synchronized String next() {
      return waiting.peek();
    }

    synchronized void closed() {
      while (!waiting.isEmpty()) {
        answered();
      }
    }
  }

  private static boolean blob(String request) {
    return request.startsWith("GET ") && request.contains("/blobs/sha256:");
  }

  private void fetchingChanged(long pid, int delta) {
    synchronized (fetching) {
      fetching.merge(pid, delta, Integer::sum);
      int now = (int) fetching.values().stream().filter(n -> n > 0).count();
      maxFetching.accumulateAndGet(now, Math::max);
    }
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket();
        upstream.connect(target, 5000);
        sockets.add(client);
        sockets.add(upstream);
        Conn conn = new Conn(client);
        pump(client.getInputStream(), upstream.getOutputStream(), true, conn, client, upstream);
        pump(upstream.getInputStream(), client.getOutputStream(), false, conn, client, upstream);
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void pump(
      InputStream in, OutputStream out, boolean requests, Conn conn, Socket a, Socket b) {
    Thread t =
        new Thread(
            () -> {
              StringBuilder line = new StringBuilder();
              Responses responses = new Responses(conn);
              byte[] buf = new byte[64 * 1024];
              try {
                int n;
                while ((n =
                        in.read(buf, 0, requests || bytesPerSecond == 0 ? buf.length : 16 * 1024))
                    > 0) {
                  if (requests) {
                    scan(buf, n, line, conn);
                  } else {
                    responses.scan(buf, n);
                  }
                  out.write(buf, 0, n);
                  out.flush();
                  long bps = bytesPerSecond;
                  if (!requests && bps > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(n * 1_000_000_000L / bps);
                  }
                }
              } catch (IOException ignored) {
                // a side closed
              } finally {
                close(a);
                close(b);
                conn.closed();
              }
            },
            "recording-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  /** Finds request lines in the bytes clients send (bodies give lines that do not match). */
  private void scan(byte[] buf, int n, StringBuilder line, Conn conn) {
    for (int i = 0; i < n; i++) {
      char c = (char) (buf[i] & 0xff);
      if (c == '\n') {
        String l = line.toString().strip();
        // a body without a final newline runs into the next request line: find it at the end
        java.util.regex.Matcher m = REQUEST_LINE.matcher(l);
        if (m.find()) {
          requests.add(m.group(1) + " " + m.group(2));
          conn.requested(m.group(1), m.group(2));
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

  /**
   * Follows the responses on one connection (status line and headers, then a Content-Length body)
   * to know when each request is answered. A body of unknown length ends with the connection.
   */
  private static final class Responses {
    private final Conn conn;
    private final StringBuilder head = new StringBuilder();
    private long remaining = -1; // -1: reading a head; -2: body until the connection closes

    Responses(Conn conn) {
      this.conn = conn;
    }

    void scan(byte[] buf, int n) {
      int i = 0;
      while (i < n) {
        if (remaining == -2) {
          return;
        }
        if (remaining >= 0) {
          long take = Math.min(remaining, n - i);
          remaining -= take;
          i += (int) take;
          if (remaining == 0) {
            conn.answered();
            remaining = -1;
          }
          continue;
        }
        head.append((char) (buf[i++] & 0xff));
        int len = head.length();
        if (len >= 4 && head.charAt(len - 1) == '\n' && head.indexOf("\r\n\r\n", len - 4) >= 0) {
          headDone();
        }
      }
    }

    private void headDone() {
      String h = head.toString();
      head.setLength(0);
      String request = conn.next();
      int status = 0;
      try {
        status = Integer.parseInt(h.substring(9, 12));
      } catch (RuntimeException e) {
        status = 0;
      }
      long length = -1;
      boolean chunked = false;
      for (String l : h.split("\r\n")) {
        String lower = l.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Long.parseLong(l.substring(15).strip());
        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        }
      }
      boolean noBody =
          (request != null && request.startsWith("HEAD "))
              || status / 100 == 1
              || status == 204
              || status == 304;
      if (noBody || length == 0) {
        conn.answered();
        remaining = -1;
      } else if (length > 0 && !chunked) {
        remaining = length;
      } else {
        remaining = -2;
      }
    }
  }

  /**
   * The pid of the local process whose TCP socket has local port {@code clientPort} connected to
   * {@code serverPort} (-1 when not found): from /proc/net/tcp and the processes' fds.
   */
  static long clientPid(int clientPort, int serverPort) {
    String inode = null;
    for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      try {
        for (String l : java.nio.file.Files.readAllLines(java.nio.file.Path.of(table))) {
          String[] f = l.trim().split("\\s+");
          if (f.length > 9
              && f[1].endsWith(String.format(":%04X", clientPort))
              && f[2].endsWith(String.format(":%04X", serverPort))) {
            inode = f[9];
          }
        }
      } catch (IOException | RuntimeException e) {
        // not readable: no pid
      }
    }
    if (inode == null) {
      return -1;
    }
    String link = "socket:[" + inode + "]";
    java.io.File[] procs = new java.io.File("/proc").listFiles((d, name) -> name.matches("[0-9]+"));
    if (procs == null) {
      return -1;
    }
    for (java.io.File p : procs) {
      java.io.File[] fds = new java.io.File(p, "fd").listFiles();
      if (fds == null) {
        continue;
      }
      for (java.io.File fd : fds) {
        try {
          if (link.equals(java.nio.file.Files.readSymbolicLink(fd.toPath()).toString())) {
            return Long.parseLong(p.getName());
          }
        } catch (IOException | RuntimeException e) {
          // gone, or not a link
        }
      }
    }
    return -1;
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
