package dev.imagespec.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagespec.engine.cri.CriClient;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.engine.cri.v1.Image;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.okhttp.OkHttpChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.newsclub.net.unix.AFSocketFactory;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * What the CRI benchmarks share: the 1,000 small images in containerd's {@code k8s.io} namespace
 * ({@link #ensureImages}), a {@link CriRuntime} whose gRPC calls are counted by method ({@link
 * #countingRuntime}), {@code ctr} and timing helpers.
 *
 * <p>The 1,000 images are distinct (a config of their own each, one shared layer of the test
 * rootfs): pushed to {@code IMAGESPEC_TEST_REGISTRY} as {@code cribench/img:s<S>-i<I>} straight
 * through the registry API, then pulled through CRI. They are found again by name, so a second
 * benchmark reuses them; {@link #removeImages} takes them away.
 */
final class CriBench {
  static final int SPECS = 200;
  static final int IMAGES_PER_SPEC = 5;
  static final String REPO = "cribench/img";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType OCTETS = MediaType.get("application/octet-stream");
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  private CriBench() {}

  static String criHost() {
    return require("IMAGESPEC_TEST_CRI_HOST");
  }

  static String socket() {
    return criHost().substring("unix://".length());
  }

  static String require(String name) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException(name + " is not set: source the engines' env file");
    }
    return v;
  }

  /** The reference of image {@code i} of spec {@code s}. */
  static String reference(int s, int i) {
    return require("IMAGESPEC_TEST_REGISTRY") + "/" + REPO + ":s" + s + "-i" + i;
  }

  static List<String> references() {
    List<String> refs = new ArrayList<>();
    for (int s = 0; s < SPECS; s++) {
      for (int i = 0; i < IMAGES_PER_SPEC; i++) {
        refs.add(reference(s, i));
      }
    }
    return refs;
  }

  /**
   * Makes sure containerd ({@code k8s.io}) holds the 1,000 images; pushes and pulls the missing
   * ones. Returns the references.
   */
  static List<String> ensureImages() throws Exception {
    List<String> refs = references();
    Set<String> present = new HashSet<>();
    try (CriClient cri = CriClient.connect(criHost())) {
      for (Image i : cri.listImages()) {
        present.addAll(i.getRepoTagsList());
      }
      List<String> missing = refs.stream().filter(r -> !present.contains(r)).toList();
      if (missing.isEmpty()) {
        System.out.printf("setup: the %d images are in containerd already%n", refs.size());
        return refs;
      }
      long t0 = System.nanoTime();
      Pusher pusher = new Pusher(require("IMAGESPEC_TEST_REGISTRY"));
      byte[] layer = Files.readAllBytes(Path.of(require("IMAGESPEC_TEST_ROOTFS")));
      String layerDigest = pusher.pushBlob(layer);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> jobs = new ArrayList<>();
        for (String ref : missing) {
          jobs.add(
              pool.submit(
                  () -> {
                    pusher.pushImage(ref.substring(ref.lastIndexOf(':') + 1), layer, layerDigest);
                    cri.pullImage(ref, null, Duration.ofMinutes(2));
                    return null;
                  }));
        }
        for (Future<?> j : jobs) {
          j.get();
        }
      } finally {
        pool.shutdown();
      }
      System.out.printf(
          "setup: pushed %d distinct small images (%d KiB shared layer) and pulled them through"
              + " CRI in %.1f s%n",
          missing.size(), layer.length >> 10, (System.nanoTime() - t0) / 1e9);
    }
    return refs;
  }

  /** Removes the 1,000 images (CRI RemoveImage of each). */
  static void removeImages() {
    Set<String> refs = new HashSet<>(references());
    int removed = 0;
    try (CriClient cri = CriClient.connect(criHost())) {
      for (Image i : cri.listImages()) {
        if (!Collections.disjoint(i.getRepoTagsList(), refs)) {
          cri.removeImage(i.getId());
          removed++;
        }
      }
    }
    System.out.printf("cleanup: removed %d benchmark images from containerd%n", removed);
  }

  /** Whether the images stay for the next benchmark ({@code -Dbench.keep=true}). */
  static boolean keep() {
    return Boolean.getBoolean("bench.keep");
  }

  // ------------------------------------------------------------------------ counted gRPC calls

  /** A {@link CriRuntime} (containerd API included) and the count of its gRPC calls by method. */
  record Counted(CriRuntime runtime, Map<String, AtomicInteger> calls) {
    int total() {
      return calls.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** {@code ListImages=1} style, short method names, sorted. */
    String summary() {
      Map<String, Integer> m = new TreeMap<>();
      calls.forEach((k, v) -> m.put(k.substring(k.lastIndexOf('/') + 1), v.get()));
      return m.toString();
    }

    void reset() {
      calls.clear();
    }
  }

  /**
   * A {@link CriRuntime} built as {@link CriRuntime#connect} builds it, but over a channel that
   * counts the calls (by reflection: the constructors are private).
   */
  static Counted countingRuntime(String host, Duration pullTimeout) throws Exception {
    Path socket = Path.of(host.substring("unix://".length()));
    ManagedChannel real = channel(host);
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    ManagedChannel counting = new CountingChannel(real, calls);
    Constructor<CriClient> cc =
        CriClient.class.getDeclaredConstructor(String.class, ManagedChannel.class, Duration.class);
    cc.setAccessible(true);
    CriClient cri = cc.newInstance("unix://" + socket, counting, CriClient.DEFAULT_CALL_TIMEOUT);
    Class<?> cd = Class.forName("dev.imagespec.engine.cri.ContainerdClient");
    Constructor<?> dc =
        cd.getDeclaredConstructor(String.class, ManagedChannel.class, String.class, Duration.class);
    dc.setAccessible(true);
    Object containerd =
        dc.newInstance(
            "unix://" + socket, counting, CriRuntime.K8S_NAMESPACE, CriClient.DEFAULT_CALL_TIMEOUT);
    Constructor<CriRuntime> rc =
        CriRuntime.class.getDeclaredConstructor(CriClient.class, cd, Duration.class);
    rc.setAccessible(true);
    return new Counted(rc.newInstance(cri, containerd, pullTimeout), calls);
  }

  /** A gRPC channel to the runtime, built as {@code CriClient} builds its own. */
  static ManagedChannel channel(String host) throws IOException {
    Path socket = Path.of(host.substring("unix://".length()));
    return OkHttpChannelBuilder.forAddress("localhost", 80)
        .socketFactory(
            new AFSocketFactory.FixedAddressSocketFactory(AFUNIXSocketAddress.of(socket)))
        .usePlaintext()
        .maxInboundMessageSize(16 << 20)
        .build();
  }

  /** Counts every call by its full method name; the rest is the real channel. */
  private static final class CountingChannel extends ManagedChannel {
    private final ManagedChannel real;
    private final Channel intercepted;

    CountingChannel(ManagedChannel real, Map<String, AtomicInteger> calls) {
      this.real = real;
      this.intercepted =
          ClientInterceptors.intercept(
              real,
              new ClientInterceptor() {
                @Override
                public <Q, R> ClientCall<Q, R> interceptCall(
                    MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                  calls
                      .computeIfAbsent(method.getFullMethodName(), k -> new AtomicInteger())
                      .incrementAndGet();
                  return next.newCall(method, options);
                }
              });
    }

    @Override
    public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
      return intercepted.newCall(method, options);
    }

    @Override
    public String authority() {
      return real.authority();
    }

    @Override
    public ManagedChannel shutdown() {
      real.shutdown();
      return this;
    }

    @Override
    public boolean isShutdown() {
      return real.isShutdown();
    }

    @Override
    public boolean isTerminated() {
      return real.isTerminated();
    }

    @Override
    public ManagedChannel shutdownNow() {
      real.shutdownNow();
      return this;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
      return real.awaitTermination(timeout, unit);
    }
  }

  // ------------------------------------------------------------------------------- processes

  /** {@code ctr --address SOCK -n k8s.io ARGS...}: exit code and output (stderr merged). */
  static Result ctr(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ctr", "--address", socket(), "-n", "k8s.io"));
    cmd.addAll(List.of(args));
    return run(cmd, false);
  }

  record Result(int exit, String output) {}

  /** Runs a command; {@code discard}: its output goes to /dev/null (not read). */
  static Result run(List<String> cmd, boolean discard) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (discard) {
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    }
    Process p = pb.start();
    String out = discard ? "" : new String(p.getInputStream().readAllBytes());
    int exit = p.waitFor();
    return new Result(exit, out);
  }

  // ------------------------------------------------------------------------------------ stats

  /** Wall times in nanoseconds of one client. */
  static final class Times {
    final String name;
    final List<Long> nanos = new ArrayList<>();

    Times(String name) {
      this.name = name;
    }

    void add(long n) {
      nanos.add(n);
    }

    double medianMs() {
      List<Long> s = new ArrayList<>(nanos);
      Collections.sort(s);
      int n = s.size();
      return (n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0) / 1e6;
    }

    double minMs() {
      return Collections.min(nanos) / 1e6;
    }

    double maxMs() {
      return Collections.max(nanos) / 1e6;
    }

    String describe() {
      return String.format(
          "%s: median %.1f ms (min %.1f, max %.1f, %d runs)",
          name, medianMs(), minMs(), maxMs(), nanos.size());
    }
  }

  // --------------------------------------------------------------------------------- registry

  /** Pushes small OCI images (one shared uncompressed layer) to a plain-HTTP registry. */
  static final class Pusher {
    private final OkHttpClient http =
        new OkHttpClient.Builder()
            .connectTimeout(Duration.ofSeconds(5))
            .readTimeout(Duration.ofSeconds(60))
            .build();
    private final String registry;

    Pusher(String registry) {
      this.registry = registry;
    }

    /** Image {@code REPO:tag}: a config with label {@code imagespec.bench=tag}, the layer. */
    void pushImage(String tag, byte[] layer, String layerDigest) {
      try {
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", goArch());
        config.put("os", "linux");
        ObjectNode c = config.putObject("config");
        c.putArray("Cmd").add("/bin/sh");
        c.putObject("Labels").put("imagespec.bench", tag);
        ObjectNode fs = config.putObject("rootfs");
        fs.put("type", "layers");
        fs.putArray("diff_ids").add(layerDigest);
        byte[] configBytes = JSON.writeValueAsBytes(config);
        String configDigest = pushBlob(configBytes);
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", OCI_MANIFEST);
        ObjectNode mc = manifest.putObject("config");
        mc.put("mediaType", "application/vnd.oci.image.config.v1+json");
        mc.put("size", configBytes.length);
        mc.put("digest", configDigest);
        ObjectNode ml = manifest.putArray("layers").addObject();
        ml.put("mediaType", "application/vnd.oci.image.layer.v1.tar");
        ml.put("size", layer.length);
        ml.put("digest", layerDigest);
        Request put =
            new Request.Builder()
                .url(url("/v2/" + REPO + "/manifests/" + tag))
                .put(
                    RequestBody.create(
                        JSON.writeValueAsBytes(manifest), MediaType.get(OCI_MANIFEST)))
                .build();
        try (Response r = http.newCall(put).execute()) {
          if (r.code() != 201) {
            throw new IOException("pushing manifest " + REPO + ":" + tag + ": HTTP " + r.code());
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String pushBlob(byte[] content) throws IOException {
      String digest = sha256(content);
      Request start =
          new Request.Builder()
              .url(url("/v2/" + REPO + "/blobs/uploads/"))
              .post(RequestBody.create(new byte[0], null))
              .build();
      String location;
      try (Response r = http.newCall(start).execute()) {
        if (r.code() != 202) {
          throw new IOException("starting upload to " + REPO + ": HTTP " + r.code());
        }
        location = r.header("Location");
      }
      HttpUrl upload = location == null ? null : url("/").resolve(location);
      if (upload == null) {
        throw new IOException("bad upload location " + location);
      }
      HttpUrl put = upload.newBuilder().addQueryParameter("digest", digest).build();
      try (Response r =
          http.newCall(
                  new Request.Builder().url(put).put(RequestBody.create(content, OCTETS)).build())
              .execute()) {
        if (r.code() != 201) {
          throw new IOException("finishing upload to " + REPO + ": HTTP " + r.code());
        }
      }
      return digest;
    }

    private HttpUrl url(String path) {
      return HttpUrl.get("http://" + registry + path);
    }

    private static String goArch() {
      String arch = System.getProperty("os.arch");
      return switch (arch) {
        case "amd64", "x86_64" -> "amd64";
        case "aarch64" -> "arm64";
        default -> arch;
      };
    }

    private static String sha256(byte[] bytes) {
      try {
        return "sha256:"
            + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
