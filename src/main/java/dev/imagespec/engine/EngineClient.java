package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Closeable;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A client for one Docker Engine or Podman service. Build it with {@link #builder()}; it negotiates
 * the API version on first use ({@code /_ping}), detects Podman from the {@code Libpod-API-Version}
 * header, and then uses the libpod API where it offers more (pull all tags, tlsVerify, push
 * destination, remove reports) and the Docker-compatible API otherwise.
 *
 * <pre>{@code
 * try (EngineClient engine = EngineClient.builder().host("unix:///run/podman/podman.sock").build()) {
 *   Image image = engine.images().pull("127.0.0.1:5000/team/app:1.0", PullOptions.defaults());
 * }
 * }</pre>
 *
 * Thread-safe; connections are pooled. Close it to release them.
 */
public final class EngineClient implements Closeable {
  /** Highest Docker API version this client speaks. */
  public static final String MAX_API_VERSION = "1.45";

  /** Lowest Docker API version this client accepts. */
  public static final String MIN_API_VERSION = "1.30";

  private final Transport transport;
  private final String pinnedVersion;
  private final RegistryCredentials credentials;
  private volatile Negotiated negotiated;
  private final Images images;
  private final Containers containers;
  private final RegistryClient registryClient;
  private RegistryClient defaultRegistryClient; // guarded by this
  private final Executor executor;
  private final ExecutorService ownExecutor;
  private final AsyncImages async;

  private EngineClient(Builder b) {
    EngineEndpoint endpoint =
        b.endpoint != null ? b.endpoint : EngineEndpoint.resolve(b.host, b.env);
    this.transport = new Transport(endpoint, b.connectTimeout, b.readTimeout);
    this.pinnedVersion = b.apiVersion;
    this.credentials = b.credentials;
    this.images = new Images(this);
    this.containers = new Containers(this);
    this.registryClient = b.registryClient;
    if (b.executor != null) {
      this.executor = b.executor;
      this.ownExecutor = null;
    } else {
      this.ownExecutor = defaultExecutor();
      this.executor = ownExecutor;
    }
    this.async = new AsyncImages(images, executor);
  }

  /** Up to 8 threads, started on demand and ended after 60 s idle; daemon threads. */
  private static ExecutorService defaultExecutor() {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            8,
            8,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "imagespec-engine-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The image operations (podman-py's {@code ImagesManager}). */
  public Images images() {
    return images;
  }

  /**
   * Every image operation as a {@link java.util.concurrent.CompletableFuture}, and streams as
   * {@link java.util.concurrent.Flow.Publisher}s, run on the builder's executor (default: a small
   * pool of daemon threads).
   */
  public AsyncImages async() {
    return async;
  }

  /** The engine's image events ({@code GET /events}), for watching the engine. */
  public Events events() {
    return new Events(this);
  }

  /** The container listing the reconciler needs to protect images in use. */
  public Containers containers() {
    return containers;
  }

  public EngineEndpoint endpoint() {
    return transport.endpoint();
  }

  /** Pings the engine and negotiates the API version (cached after the first call). */
  public ServerInfo info() {
    return negotiated().info();
  }

  /** Docker's or Podman's ways, chosen once when the client first reaches the engine. */
  EngineDialect dialect() {
    return negotiated().dialect();
  }

  private Negotiated negotiated() {
    Negotiated current = negotiated;
    if (current == null) {
      synchronized (this) {
        if (negotiated == null) {
          ServerInfo info = negotiate();
          negotiated = new Negotiated(info, EngineDialect.of(this, info));
        }
        current = negotiated;
      }
    }
    return current;
  }

  private record Negotiated(ServerInfo info, EngineDialect dialect) {}

  /** {@code GET /_ping}: true when the engine answers OK. */
  public boolean ping() {
    try (Response r =
        transport.execute(
            transport.request(transport.url(null, "_ping").build(), null).get().build(),
            false,
            Transport.NotFound.OTHER)) {
      return r.isSuccessful();
    }
  }

  /** {@code GET /version}: the engine's version document. */
  public JsonNode version() {
    return json(get(compat("version")));
  }

  /**
   * {@code GET /info}: the engine's system document (e.g. {@code DockerRootDir}, where Docker and
   * Podman keep images).
   */
  public JsonNode systemInfo() {
    return json(get(compat("info")));
  }

  private ServerInfo negotiate() {
    String serverApi;
    String libpod;
    try (Response r =
        transport.execute(
            transport.request(transport.url(null, "_ping").build(), null).get().build(),
            false,
            Transport.NotFound.OTHER)) {
      serverApi = r.header("Api-Version");
      libpod = r.header("Libpod-Api-Version");
    }
    String api = pinnedVersion;
    if (api == null) {
      api = serverApi == null ? MIN_API_VERSION : minVersion(serverApi, MAX_API_VERSION);
    }
    if (compareVersions(api, MIN_API_VERSION) < 0) {
      throw new ApiException(
          400,
          "engine at "
              + transport.endpoint()
              + " speaks API "
              + api
              + "; imagespec needs at least "
              + MIN_API_VERSION);
    }
    return new ServerInfo(api, libpod, libpod != null);
  }

  static String minVersion(String a, String b) {
    return compareVersions(a, b) <= 0 ? a : b;
  }

  static int compareVersions(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int xi = i < x.length ? parseOr0(x[i]) : 0;
      int yi = i < y.length ? parseOr0(y[i]) : 0;
      if (xi != yi) {
        return Integer.compare(xi, yi);
      }
    }
    return 0;
  }

  private static int parseOr0(String s) {
    try {
      return Integer.parseInt(s.replaceAll("[^0-9].*", ""));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Whether the negotiated API version is at least {@code version}. */
  public boolean apiAtLeast(String version) {
    return compareVersions(info().apiVersion(), version) >= 0;
  }

  // ---- helpers used by the managers ----

  Transport transport() {
    return transport;
  }

  RegistryCredentials credentials() {
    return credentials;
  }

  /** The registry client for what the engine cannot answer (registry data on Podman). */
  RegistryClient registryClient() {
    RegistryClient r = registryClient;
    if (r == null) {
      synchronized (this) {
        if (defaultRegistryClient == null) {
          defaultRegistryClient = RegistryClient.builder().build();
        }
        r = defaultRegistryClient;
      }
    }
    return r;
  }

  /** URL builder on the Docker-compatible API ({@code /v1.xx/...}). */
  okhttp3.HttpUrl.Builder compat(String path) {
    return transport.url("v" + info().apiVersion(), path);
  }

  /** URL builder on the libpod API ({@code /v4.x.y/libpod/...}); Podman only. */
  okhttp3.HttpUrl.Builder libpod(String path) {
    ServerInfo i = info();
    if (!i.podman()) {
      throw new UnsupportedOperationException("the libpod API needs Podman");
    }
    return transport.url("v" + i.libpodVersion() + "/libpod", path);
  }

  Request get(okhttp3.HttpUrl.Builder url) {
    return transport.request(url.build(), null).get().build();
  }

  JsonNode json(Request request) {
    return transport.json(request, Transport.NotFound.OTHER);
  }

  @Override
  public void close() {
    transport.close();
    if (ownExecutor != null) {
      ownExecutor.shutdown();
    }
  }

  @Override
  public String toString() {
    return "EngineClient[" + transport.endpoint() + "]";
  }

  /**
   * What negotiation found.
   *
   * @param apiVersion the Docker API version in use
   * @param libpodVersion Podman's libpod API version, null on Docker
   * @param podman whether the engine is Podman
   */
  public record ServerInfo(String apiVersion, String libpodVersion, boolean podman) {
    public String engineName() {
      return podman ? "podman" : "docker";
    }
  }

  /** Builder; an unset host is resolved from the environment and the default sockets. */
  public static final class Builder {
    private String host;
    private EngineEndpoint endpoint;
    private Map<String, String> env = System.getenv();
    private String apiVersion;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofSeconds(60);
    private RegistryCredentials credentials = RegistryCredentials.none();
    private Executor executor;
    private RegistryClient registryClient;

    /** {@code unix:///path}, {@code tcp://host:port}, {@code https://host:port}, or a path. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public Builder endpoint(EngineEndpoint endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    /** The environment to resolve {@code DOCKER_HOST}, TLS and default sockets from. */
    public Builder environment(Map<String, String> env) {
      this.env = Map.copyOf(env);
      return this;
    }

    /** Pins the Docker API version instead of negotiating, e.g. {@code 1.41}. */
    public Builder apiVersion(String apiVersion) {
      this.apiVersion = apiVersion;
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    /** Read timeout of non-streaming calls (default 60 s); streams have none. */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = timeout;
      return this;
    }

    /** Credentials used when a pull or push brings no {@link AuthConfig} of its own. */
    public Builder credentials(RegistryCredentials credentials) {
      this.credentials = credentials;
      return this;
    }

    /**
     * Where {@link #async()} runs its calls; not shut down by {@link EngineClient#close()}.
     * Default: a pool of up to 8 daemon threads owned by the client.
     */
    public Builder executor(Executor executor) {
      this.executor = executor;
      return this;
    }

    /**
     * The registry client used where the engine cannot ask the registry itself (registry data on
     * Podman); e.g. one that knows insecure registries. Default: {@code
     * RegistryClient.builder().build()}.
     */
    public Builder registryClient(RegistryClient registryClient) {
      this.registryClient = registryClient;
      return this;
    }

    public EngineClient build() {
      return new EngineClient(this);
    }
  }
}
