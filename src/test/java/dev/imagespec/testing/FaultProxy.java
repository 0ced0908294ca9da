package dev.imagespec.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An HTTP/1.1-aware loopback proxy in front of a registry that injects faults into the answers, for
 * the next N requests matching a method and a path part, then recovers by itself:
 *
 * <ul>
 *   <li>{@link #respond}: answers the request itself with a status (500, 503, 429...), a registry
 *       error body and, when asked, {@code Retry-After}; the registry never sees it;
 *   <li>{@link #resetMidBlob}: forwards it, sends the client the registry's headers and half of the
 *       body, then resets the connection ({@code SO_LINGER 0});
 *   <li>{@link #stallMidBlob}: forwards it, sends the headers and half of the body, then sends
 *       nothing more until {@link #release()} (the rest follows) or {@link #close()}.
 * </ul>
 *
 * {@link #throttle} slows every answer down to a bandwidth (a slow registry: pulls that take
 * seconds).
 *
 * <p>Every request is logged ({@link #requests()}) with when it arrived and what was done. Clients
 * (dockerd, containerd, OkHttp) reach it as the loopback registry {@link #address()} over plain
 * HTTP; each client connection gets its own upstream connection. Requests are handled one after the
 * other per connection (no pipelining, as those clients do).
 */
public final class FaultProxy implements AutoCloseable {
  /** What the proxy does to a matching request. */
  public enum Mode {
    RESPOND,
    RESET_MID_BLOB,
    STALL_MID_BLOB
  }

  /** One request the proxy received: when, what, which fault (null: none), what was answered. */
  public static final class Seen {
    private final Instant at;
    private final String method;
    private final String path;
    private volatile Mode fault;
    private volatile int status;
    private volatile Instant answered;

    Seen(Instant at, String method, String path) {
      this.at = at;
      this.method = method;
      this.path = path;
    }

    /** When its request head had arrived. */
    public Instant at() {
      return at;
    }

    public String method() {
      return method;
    }

    public String path() {
      return path;
    }

    /** The fault applied, or null when it was forwarded untouched. */
    public Mode fault() {
      return fault;
    }

    /** The status the client got (0: none yet). */
    public int status() {
      return status;
    }

    /** When the answer (or the fault) was done; null while it is not. */
    public Instant answered() {
      return answered;
    }

    @Override
    public String toString() {
      return method + " " + path + " -> " + status + (fault == null ? "" : " (" + fault + ")");
    }
  }

  private static final class Rule {
    final Mode mode;
    final String method;
    final String part;
    final int status;
    final int retryAfterSeconds;
    final AtomicInteger left;

    Rule(Mode mode, String method, String part, int status, int retryAfterSeconds, int n) {
      this.mode = mode;
      this.method = method;
      this.part = part;
      this.status = status;
      this.retryAfterSeconds = retryAfterSeconds;
      this.left = new AtomicInteger(n);
    }

    boolean matches(String m, String p) {
      return (method == null || method.equals(m)) && p.contains(part);
    }
  }

  private final InetSocketAddress target;
  private final ServerSocket server;
  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final List<Seen> requests = new CopyOnWriteArrayList<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Map<Mode, AtomicLong> faulted = new EnumMap<>(Mode.class);
  private final AtomicInteger upstreams = new AtomicInteger();
  private final AtomicInteger stalled = new AtomicInteger();
  private final Object stallLock = new Object();
  private long releases; // guarded by stallLock
  private volatile boolean closed;
  private volatile long bytesPerSecond; // 0: as fast as it goes

  /** Forwards {@code 127.0.0.1:<port>} to {@code target} ({@code host:port}). */
  public FaultProxy(String target) throws IOException {
    int colon = target.lastIndexOf(':');
    this.target =
        new InetSocketAddress(
            target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
    for (Mode m : Mode.values()) {
      faulted.put(m, new AtomicLong());
    }
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::accept, "fault-proxy");
    t.setDaemon(true);
    t.start();
  }

  /** The proxy's {@code 127.0.0.1:port}, a loopback (plain HTTP) registry address. */
  public String address() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /**
   * Sends what the registry answers to each client connection at most at {@code bytesPerSecond} (0:
   * no limit), from now on.
   */
  public FaultProxy throttle(long bytesPerSecond) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("bytesPerSecond must not be negative: " + bytesPerSecond);
    }
    this.bytesPerSecond = bytesPerSecond;
    return this;
  }

  /**
   * Answers the next {@code n} requests with this method ({@code null}: any) whose path contains
   * {@code pathPart} with {@code status} and a registry error body, plus {@code Retry-After:
   * retryAfterSeconds} when that is not negative.
   */
  public FaultProxy respond(
      String method, String pathPart, int status, int n, int retryAfterSeconds) {
    rules.add(new Rule(Mode.RESPOND, method, pathPart, status, retryAfterSeconds, n));
    return this;
  }

  /** {@link #respond(String, String, int, int, int)} for any request under {@code /v2/}. */
  public FaultProxy respond(int status, int n, int retryAfterSeconds) {
    return respond(null, "/v2/", status, n, retryAfterSeconds);
  }

  /**
   * Resets the connection halfway through the body of the next {@code n} matching answers that have
   * a body (others pass and do not count).
   */
  public FaultProxy resetMidBlob(String method, String pathPart, int n) {
    rules.add(new Rule(Mode.RESET_MID_BLOB, method, pathPart, 0, -1, n));
    return this;
  }

  /** {@link #resetMidBlob(String, String, int)} for blob {@code GET}s. */
  public FaultProxy resetMidBlob(int n) {
    return resetMidBlob("GET", "/blobs/", n);
  }

  /**
   * Stops sending halfway through the body of the next {@code n} matching answers that have a body
   * (others pass and do not count), the connections kept open, until {@link #release()} or {@link
   * #close()}.
   */
  public FaultProxy stallMidBlob(String method, String pathPart, int n) {
    rules.add(new Rule(Mode.STALL_MID_BLOB, method, pathPart, 0, -1, n));
    return this;
  }

  /** {@link #stallMidBlob(String, String, int)} for blob {@code GET}s. */
  public FaultProxy stallMidBlob(int n) {
    return stallMidBlob("GET", "/blobs/", n);
  }

  /**
   * Lets the answers stalled now send the rest of their bodies (to clients still listening), and
   * drops the stall rules not used yet.
   */
  public void release() {
    rules.removeIf(r -> r.mode == Mode.STALL_MID_BLOB);
    synchronized (stallLock) {
      releases++;
      stallLock.notifyAll();
    }
  }

  /** Drops every fault not applied yet (stalled answers stay stalled: see {@link #release()}). */
  public void clearFaults() {
    rules.clear();
  }

  /** Answers stalled now. */
  public int stalled() {
    return stalled.get();
  }

  /** Requests {@code mode} was applied to so far. */
  public long faulted(Mode mode) {
    return faulted.get(mode).get();
  }

  /** Upstream (registry) connections open now. */
  public int openConnections() {
    return upstreams.get();
  }

  /** Every request so far, in arrival order. */
  public List<Seen> requests() {
    return List.copyOf(requests);
  }

  /** Requests so far with this method ({@code null}: any) whose path contains {@code part}. */
  public long count(String method, String part) {
    return requests.stream()
        .filter(s -> (method == null || s.method.equals(method)) && s.path.contains(part))
        .count();
  }

  /** Forgets the request log (not the faults or counters). */
  public void clearRequests() {
    requests.clear();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        sockets.add(client);
        Thread t = new Thread(() -> serve(client), "fault-proxy-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  /** Head of a request or response: its first line and headers, as received. */
  private record Head(String first, List<String> headers) {
    String header(String name) {
      for (String h : headers) {
        int colon = h.indexOf(':');
        if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase(name)) {
          return h.substring(colon + 1).trim();
        }
      }
      return null;
    }

    boolean chunked() {
      String te = header("Transfer-Encoding");
      return te != null && te.toLowerCase(Locale.ROOT).contains("chunked");
    }

    long contentLength() {
      String cl = header("Content-Length");
      return cl == null ? -1 : Long.parseLong(cl);
    }

    byte[] bytes(boolean dropExpect) {
      StringBuilder b = new StringBuilder(first).append("\r\n");
      for (String h : headers) {
        if (dropExpect && h.toLowerCase(Locale.ROOT).startsWith("expect:")) {
          continue;
        }
        b.append(h).append("\r\n");
      }
      return b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }
  }

  private static Head readHead(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    String first = null;
    List<String> headers = new ArrayList<>();
    while (true) {
      int c = in.read();
      if (c < 0) {
        if (first == null && line.size() == 0) {
          return null;
        }
        throw new IOException("connection closed inside an HTTP head");
      }
      if (c != '\n') {
        line.write(c);
        continue;
      }
      String l = line.toString(StandardCharsets.ISO_8859_1);
      if (l.endsWith("\r")) {
        l = l.substring(0, l.length() - 1);
      }
      line.reset();
      if (first == null) {
        if (l.isEmpty()) {
          continue; // a stray CRLF between messages
        }
        first = l;
      } else if (l.isEmpty()) {
        return new Head(first, headers);
      } else {
        headers.add(l);
      }
    }
  }

  private void serve(Socket client) {
    Socket upstream = null;
    try {
      InputStream cin = new BufferedInputStream(client.getInputStream());
      OutputStream cout = new Throttled(client.getOutputStream());
      cin.mark(1);
      if (cin.read() == 0x16) {
        // a TLS hello (dockerd tries HTTPS first): answer as a plain-HTTP registry does, at once
        cout.write(
            "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        cout.flush();
        return;
      }
      cin.reset();
      InputStream uin = null;
      OutputStream uout = null;
      while (!closed) {
        Head req = readHead(cin);
        if (req == null) {
          return;
        }
        String[] parts = req.first.split(" ");
        String method = parts[0];
        String path = parts.length > 1 ? parts[1] : "";
        Seen seen = new Seen(Instant.now(), method, path);
        requests.add(seen);
        Rule rule = take(method, path);
        boolean expect = "100-continue".equalsIgnoreCase(req.header("Expect"));
        if (rule != null && rule.mode == Mode.RESPOND) {
          if (expect) {
            answer(cout, rule, true, method.equals("HEAD"));
            finish(seen, rule);
            return; // the client may or may not send its body: end the connection
          }
          copyBody(cin, OutputStream.nullOutputStream(), req, -1);
          answer(cout, rule, false, method.equals("HEAD"));
          finish(seen, rule);
          continue;
        }
        if (upstream == null) {
          upstream = new Socket();
          upstream.connect(target, 5000);
          sockets.add(upstream);
          upstreams.incrementAndGet();
          uin = new BufferedInputStream(upstream.getInputStream());
          uout = upstream.getOutputStream();
        }
        uout.write(req.bytes(expect));
        if (expect) {
          cout.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
          cout.flush();
        }
        copyBody(cin, uout, req, -1);
        uout.flush();
        Head resp = readHead(uin);
        while (resp != null && resp.first.matches("HTTP/1\\.[01] 1\\d\\d.*")) {
          resp = readHead(uin); // a 1xx the upstream sent anyway: the client got ours
        }
        if (resp == null) {
          throw new IOException("registry closed the connection");
        }
        int status = Integer.parseInt(resp.first.split(" ")[1]);
        seen.status = status;
        boolean noBody =
            method.equals("HEAD") || status == 204 || status == 304 || resp.contentLength() == 0;
        boolean untilClose = !noBody && !resp.chunked() && resp.contentLength() < 0;
        cout.write(resp.bytes(false));
        if (rule != null && noBody) {
          rule.left.incrementAndGet(); // not a body to cut: give the turn back
          rule = null;
        }
        if (rule != null) {
          long half = resp.chunked() ? 16 * 1024 : Math.max(1, resp.contentLength() / 2);
          copyBody(uin, cout, resp, half);
          cout.flush();
          faulted.get(rule.mode).incrementAndGet();
          seen.fault = rule.mode;
          if (rule.mode == Mode.RESET_MID_BLOB) {
            seen.answered = Instant.now();
            reset(client);
            return;
          }
          if (!stall()) {
            return;
          }
          copyRest(uin, cout, resp, half);
        } else if (!noBody) {
          copyBody(uin, cout, resp, -1);
        }
        cout.flush();
        seen.answered = Instant.now();
        String connection = resp.header("Connection");
        if (untilClose || (connection != null && connection.equalsIgnoreCase("close"))) {
          return;
        }
      }
    } catch (IOException | RuntimeException e) {
      // a side closed or reset: close both below
    } finally {
      close(client);
      if (upstream != null) {
        close(upstream);
        upstreams.decrementAndGet();
      }
    }
  }

  /** A client connection's output, paced to {@link #bytesPerSecond} while that is set. */
  private final class Throttled extends FilterOutputStream {
    private long rate;
    private long since;
    private long sent;

    Throttled(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        long r = bytesPerSecond;
        if (r <= 0) {
          out.write(b, off, len);
          return;
        }
        if (r != rate) {
          rate = r;
          since = System.nanoTime();
          sent = 0;
        }
        int n = (int) Math.min(len, Math.max(1, r / 20)); // about 20 sends a second
        out.write(b, off, n);
        out.flush();
        off += n;
        len -= n;
        sent += n;
        long wait = since + sent * 1_000_000_000L / r - System.nanoTime();
        if (wait > 0 && !closed) {
          LockSupport.parkNanos(wait); // the pace of a slow link, not a test waiting
        }
      }
    }
  }

  /** Waits for {@link #release()}; false when the proxy closed meanwhile. */
  private boolean stall() {
    stalled.incrementAndGet();
    try {
      synchronized (stallLock) {
        long seenReleases = releases;
        while (!closed && releases == seenReleases) {
          stallLock.wait(1000);
        }
      }
      return !closed;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      stalled.decrementAndGet();
    }
  }

  private Rule take(String method, String path) {
    for (Rule r : rules) {
      if (r.matches(method, path)) {
        if (r.left.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
          return r;
        }
      }
    }
    return null;
  }

  private void finish(Seen seen, Rule rule) {
    seen.fault = Mode.RESPOND;
    seen.status = rule.status;
    seen.answered = Instant.now();
    faulted.get(Mode.RESPOND).incrementAndGet();
  }

  private static void answer(OutputStream out, Rule rule, boolean close, boolean head)
      throws IOException {
    String code =
        switch (rule.status) {
          case 429 -> "TOOMANYREQUESTS";
          case 503 -> "UNAVAILABLE";
          default -> "UNKNOWN";
        };
    byte[] body =
        ("{\"errors\":[{\"code\":\""
                + code
                + "\",\"message\":\"injected by the test's fault proxy\"}]}")
            .getBytes(StandardCharsets.UTF_8);
    StringBuilder h =
        new StringBuilder("HTTP/1.1 ")
            .append(rule.status)
            .append(' ')
            .append(reason(rule.status))
            .append("\r\nContent-Type: application/json\r\nContent-Length: ")
            .append(body.length)
            .append("\r\nDocker-Distribution-Api-Version: registry/2.0\r\n");
    if (rule.retryAfterSeconds >= 0) {
      h.append("Retry-After: ").append(rule.retryAfterSeconds).append("\r\n");
    }
    if (close) {
      h.append("Connection: close\r\n");
    }
    out.write(h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    if (!head) {
      out.write(body); // a HEAD answer has the length of the body it does not send
    }
    out.flush();
  }

  private static String reason(int status) {
    return switch (status) {
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "Error";
    };
  }

  /**
   * Copies a message body as framed by {@code head} (Content-Length, chunked, or until the
   * connection ends), at most {@code limit} bytes of it when not negative.
   */
  private static void copyBody(InputStream in, OutputStream out, Head head, long limit)
      throws IOException {
    if (head.chunked()) {
      copyChunked(in, out, limit);
      return;
    }
    long length = head.contentLength();
    if (length < 0 && head.first.startsWith("HTTP/")) {
      copy(in, out, limit); // a response body that ends with the connection
    } else if (length > 0) {
      copy(in, out, limit < 0 ? length : Math.min(length, limit));
    }
  }

  /** The rest of a body {@link #copyBody} copied {@code done} bytes of. */
  private static void copyRest(InputStream in, OutputStream out, Head head, long done)
      throws IOException {
    if (head.chunked()) {
      in.transferTo(out); // the cut was inside the chunk stream: the rest ends with it
      return;
    }
    long length = head.contentLength();
    copy(in, out, length < 0 ? -1 : length - done);
  }

  /** Copies {@code n} bytes ({@code -1}: until the end of the stream). */
  private static void copy(InputStream in, OutputStream out, long n) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long left = n;
    while (n < 0 || left > 0) {
      int r = in.read(buf, 0, n < 0 ? buf.length : (int) Math.min(buf.length, left));
      if (r < 0) {
        if (n < 0) {
          return;
        }
        throw new IOException("connection closed inside a body");
      }
      out.write(buf, 0, r);
      left -= r;
    }
  }

  /** Copies a chunked body raw, at most about {@code limit} bytes when not negative. */
  private static void copyChunked(InputStream in, OutputStream out, long limit) throws IOException {
    long copied = 0;
    while (true) {
      String sizeLine = readLine(in);
      out.write((sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      int semi = sizeLine.indexOf(';');
      long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
      if (size == 0) {
        String l;
        do {
          l = readLine(in); // trailers, then the empty line
          out.write((l + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        } while (!l.isEmpty());
        return;
      }
      if (limit >= 0 && copied + size > limit) {
        copy(in, out, Math.max(1, limit - copied));
        return;
      }
      copy(in, out, size + 2); // the data and its CRLF
      copied += size;
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c; (c = in.read()) != '\n'; ) {
      if (c < 0) {
        throw new IOException("connection closed inside a chunked body");
      }
      b.write(c);
    }
    String s = b.toString(StandardCharsets.ISO_8859_1);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  /** Closes with an RST instead of a FIN. */
  private static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // closing anyway
    }
    close(s);
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
    synchronized (stallLock) {
      stallLock.notifyAll();
    }
    sockets.forEach(FaultProxy::close);
  }

  @Override
  public String toString() {
    return "FaultProxy[" + address() + " -> " + target + "; " + requests.size() + " requests]";
  }
}
