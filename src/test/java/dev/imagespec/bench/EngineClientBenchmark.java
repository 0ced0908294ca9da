package dev.imagespec.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.Image;
import dev.imagespec.engine.ImageArchive;
import dev.imagespec.engine.ImportOptions;
import dev.imagespec.engine.ListOptions;
import dev.imagespec.engine.SaveOptions;
import dev.imagespec.testing.RandomTar;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The engine client against docker-java (docker-java-core + the zerodep transport) and the docker
 * CLI, on one private dockerd: listing 1,000 images, inspecting them one by one, and saving a 300
 * MiB image to a discarding sink. Run by {@code scripts/bench} after {@link PlanBenchmark}; figures
 * go into the README's "Performance" table.
 *
 * <p>Each client is warmed up first; then the measured iterations are interleaved (imagespec,
 * docker-java, CLI, imagespec, ... with the starting client rotating), so that load from elsewhere
 * on the machine hits all three alike. Reported: median wall time per operation, with min and max.
 * The CLI figures include starting the {@code docker} process (that is what a script pays).
 *
 * <p>Environment: {@code IMAGESPEC_TEST_DOCKER_HOST} (unix://...), {@code IMAGESPEC_TEST_ROOTFS};
 * {@code IMAGESPEC_BENCH_DOCKER_CLI} (default {@code /usr/bin/docker}, Debian's docker.io CLI of
 * the same 20.10 as the dockerd, else {@code docker} on the PATH). System properties {@code
 * bench.images} (1000), {@code bench.bigMiB} (300), {@code bench.cliPerImage} (true) shrink or skip
 * parts for a quick try.
 *
 * <p>It empties the engine first (the engine is the benchmark's private one; {@link PlanBenchmark}
 * leaves an image with 1,000 tags behind), so that the list holds exactly the images made here. The
 * large image is left in place, named {@link #BIG}, for {@link EngineClientMemoryCheck}.
 */
public final class EngineClientBenchmark {
  private static final int IMAGES = Integer.getInteger("bench.images", 1000);
  private static final long BIG_MIB = Long.getLong("bench.bigMiB", 300);
  private static final boolean CLI_PER_IMAGE =
      Boolean.parseBoolean(System.getProperty("bench.cliPerImage", "true"));

  /** The large image the save row uses and the memory check reads. */
  public static final String BIG = "bench/big:large";

  private static final String IMAGESPEC = "imagespec";
  private static final String DOCKER_JAVA = "docker-java";
  private static final String CLI = "docker CLI";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private final EngineClient engine;
  private final DockerClient dockerJava;
  private final String host;
  private final String cli;
  private final List<Row> rows = new ArrayList<>();

  private EngineClientBenchmark(
      EngineClient engine, DockerClient dockerJava, String host, String cli) {
    this.engine = engine;
    this.dockerJava = dockerJava;
    this.host = host;
    this.cli = cli;
  }

  public static void main(String[] args) throws Exception {
    String host = System.getenv("IMAGESPEC_TEST_DOCKER_HOST");
    Path rootfs = Path.of(System.getenv("IMAGESPEC_TEST_ROOTFS"));
    String cli = System.getenv("IMAGESPEC_BENCH_DOCKER_CLI");
    if (cli == null || cli.isBlank()) {
      cli = Files.isExecutable(Path.of("/usr/bin/docker")) ? "/usr/bin/docker" : "docker";
    }
    DockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host).build();
    ZerodepDockerHttpClient http =
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .sslConfig(config.getSSLConfig())
            .build();
    try (EngineClient engine = EngineClient.builder().host(host).build();
        DockerClient dockerJava = DockerClientImpl.getInstance(config, http)) {
      new EngineClientBenchmark(engine, dockerJava, host, cli).run(rootfs);
    }
  }

  private void run(Path rootfs) throws Exception {
    JsonNode version = engine.version();
    System.out.printf(
        "engine client: %d cores, dockerd %s (API %s, storage %s), docker-java %s (zerodep),"
            + " CLI %s %s, Java %s%n",
        Runtime.getRuntime().availableProcessors(),
        version.path("Version").asText(),
        engine.info().apiVersion(),
        dockerJava.infoCmd().exec().getDriver(),
        dockerJavaVersion(),
        cli,
        cliOutput(List.of("version", "--format", "{{.Client.Version}}")).strip(),
        System.getProperty("java.version"));

    emptyEngine();
    List<String> ids = makeImages(rootfs);
    listRow();
    inspectRow(ids);
    if (CLI_PER_IMAGE) {
      inspectPerImageCli(ids);
    }
    makeBigImage();
    saveRow();

    System.out.println();
    System.out.println(
        "| row | imagespec | docker-java | docker CLI | imagespec / docker-java | imagespec / CLI |");
    System.out.println("| --- | --- | --- | --- | --- | --- |");
    for (Row r : rows) {
      System.out.println(r.markdown());
    }
    if (cliPerImage != null) {
      System.out.println(cliPerImage);
    }
    boolean met = rows.stream().allMatch(r -> r.ratio(DOCKER_JAVA) <= 1.0);
    System.out.println(
        "target (imagespec <= 1.0x docker-java on every row): " + (met ? "met" : "MISSED"));
  }

  // ------------------------------------------------------------------------------------- setup

  /**
   * Removes whatever is on the (private) engine, so the list holds only this benchmark's images.
   */
  private void emptyEngine() {
    List<Image> left = engine.images().list(ListOptions.builder().all(true).build());
    for (Image i : left) {
      engine.images().remove(i.id(), true, false);
    }
    System.out.printf("setup: removed %d image(s) left on the engine%n", left.size());
  }

  /** Imports the rootfs once, then {@code IMAGES - 1} more times each with its own LABEL. */
  private List<String> makeImages(Path rootfs) throws Exception {
    long t0 = System.nanoTime();
    engine
        .images()
        .importImage(rootfs, ImportOptions.builder().repository("bench/list").tag("i0").build());
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<Image>> made = new ArrayList<>();
      for (int i = 1; i < IMAGES; i++) {
        int n = i;
        made.add(
            pool.submit(
                () ->
                    engine
                        .images()
                        .importImage(
                            rootfs,
                            ImportOptions.builder()
                                .repository("bench/list")
                                .tag("i" + n)
                                .changes(List.of("LABEL n=" + n))
                                .build())));
      }
      for (Future<Image> f : made) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    List<String> ids = new ArrayList<>(engine.images().listIds(ListOptions.defaults()));
    Collections.sort(ids);
    System.out.printf(
        "setup: %d images imported (rootfs %d KiB, a distinct LABEL each) in %.1f s: %d distinct"
            + " IDs listed%n",
        IMAGES,
        Files.size(rootfs) >> 10,
        (System.nanoTime() - t0) / 1e9,
        new HashSet<>(ids).size());
    check(ids.size() == IMAGES, "expected " + IMAGES + " images, the engine lists " + ids.size());
    // The three clients see the same images.
    Set<String> dj = new HashSet<>();
    dockerJava.listImagesCmd().exec().forEach(i -> dj.add(i.getId()));
    Set<String> byCli =
        new HashSet<>(cliOutput(List.of("images", "-q", "--no-trunc")).lines().toList());
    check(dj.equals(new HashSet<>(ids)), "docker-java lists other images: " + dj.size());
    check(byCli.equals(new HashSet<>(ids)), "the CLI lists other images: " + byCli.size());
    System.out.println(
        "setup: imagespec, docker-java and the CLI list the same " + ids.size() + " IDs");
    return ids;
  }

  /** Imports a tar of one file of {@code BIG_MIB} MiB of random bytes, streamed. */
  private void makeBigImage() {
    long t0 = System.nanoTime();
    RandomTar tar = new RandomTar("big.bin", BIG_MIB << 20);
    int colon = BIG.indexOf(':');
    Image big =
        engine
            .images()
            .importImage(
                tar,
                ImportOptions.builder()
                    .repository(BIG.substring(0, colon))
                    .tag(BIG.substring(colon + 1))
                    .build());
    long size = big.attrs().path("Size").asLong();
    System.out.printf(
        "setup: imported %s (%s, tar of %d MiB random bytes, image size %.1f MiB) in %.1f s%n",
        BIG, big.shortId(), BIG_MIB, size / 1048576.0, (System.nanoTime() - t0) / 1e9);
    check(size >= BIG_MIB << 20, "the large image is only " + size + " bytes");
  }

  // -------------------------------------------------------------------------------------- rows

  private void listRow() throws Exception {
    Map<String, Op> ops = new LinkedHashMap<>();
    ops.put(IMAGESPEC, () -> check(engine.images().list().size() == IMAGES, "imagespec list size"));
    ops.put(
        DOCKER_JAVA,
        () -> check(dockerJava.listImagesCmd().exec().size() == IMAGES, "docker-java list size"));
    ops.put(CLI, () -> cliDiscard(List.of("images", "-q", "--no-trunc")));
    rows.add(
        measure(
            "list " + IMAGES + " images (`GET /images/json`)",
            "`images -q --no-trunc`",
            5,
            21,
            ops));
  }

  private void inspectRow(List<String> ids) throws Exception {
    // The CLI's answer, once, parsed: one document per image, in order.
    List<String> args = new ArrayList<>(List.of("image", "inspect"));
    args.addAll(ids);
    JsonNode docs = JSON.readTree(cliOutput(args));
    check(docs.size() == ids.size(), "the CLI inspected " + docs.size() + " images");
    for (int i = 0; i < ids.size(); i++) {
      check(docs.get(i).path("Id").asText().equals(ids.get(i)), "CLI inspect of " + ids.get(i));
    }
    Map<String, Op> ops = new LinkedHashMap<>();
    ops.put(
        IMAGESPEC,
        () -> {
          for (String id : ids) {
            Image image = engine.images().get(id);
            if (image.attrs().path("Config").isMissingNode()) {
              throw new IllegalStateException("imagespec inspect of " + id);
            }
          }
        });
    ops.put(
        DOCKER_JAVA,
        () -> {
          for (String id : ids) {
            if (dockerJava.inspectImageCmd(id).exec().getConfig() == null) {
              throw new IllegalStateException("docker-java inspect of " + id);
            }
          }
        });
    ops.put(CLI, () -> cliDiscard(args));
    rows.add(
        measure(
            "inspect " + ids.size() + " images, one `GET /images/{id}/json` each, sequential",
            "one `image inspect` of all " + ids.size() + " IDs",
            3,
            9,
            ops));
  }

  /** The CLI once per image: a process per inspect (what a shell loop pays). */
  private void inspectPerImageCli(List<String> ids) throws Exception {
    for (int i = 0; i < 20; i++) {
      cliDiscard(List.of("image", "inspect", ids.get(i)));
    }
    List<Long> samples = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      long t0 = System.nanoTime();
      for (String id : ids) {
        cliDiscard(List.of("image", "inspect", id));
      }
      samples.add(System.nanoTime() - t0);
    }
    Collections.sort(samples);
    System.out.printf(
        "inspect, CLI once per image (%d processes), 3 runs: median %.0f ms (min %.0f, max %.0f)%n",
        ids.size(), samples.get(1) / 1e6, samples.get(0) / 1e6, samples.get(2) / 1e6);
    cliPerImage =
        String.format(
            "inspect %d images with the CLI once per image (%d `image inspect ID` processes):"
                + " median %.0f ms of 3 runs; imagespec / that %.2fx",
            ids.size(),
            ids.size(),
            samples.get(1) / 1e6,
            rows.get(rows.size() - 1).median(IMAGESPEC) / (samples.get(1) / 1e6));
  }

  private String cliPerImage;

  private void saveRow() throws Exception {
    long[] expected = new long[1];
    try (ImageArchive a = engine.images().save(List.of(BIG), SaveOptions.defaults())) {
      expected[0] = a.writeTo(OutputStream.nullOutputStream());
    }
    long viaCli = cliCount(List.of("save", BIG));
    long viaDockerJava = dockerJavaSave();
    check(viaCli == expected[0], "the CLI saved " + viaCli + " bytes, imagespec " + expected[0]);
    check(
        viaDockerJava == expected[0],
        "docker-java saved " + viaDockerJava + " bytes, imagespec " + expected[0]);
    System.out.printf(
        "save: all three clients read the same %d bytes (%.1f MiB)%n",
        expected[0], expected[0] / 1048576.0);
    Map<String, Op> ops = new LinkedHashMap<>();
    ops.put(
        IMAGESPEC,
        () -> {
          try (ImageArchive a = engine.images().save(List.of(BIG), SaveOptions.defaults())) {
            check(a.writeTo(OutputStream.nullOutputStream()) == expected[0], "imagespec save size");
          }
        });
    ops.put(DOCKER_JAVA, () -> check(dockerJavaSave() == expected[0], "docker-java save size"));
    ops.put(CLI, () -> cliDiscard(List.of("save", BIG)));
    rows.add(
        measure(
            "save a " + BIG_MIB + " MiB image to a discarding stream",
            "`save IMAGE > /dev/null`",
            2,
            7,
            ops));
  }

  /** docker-java's save copied to a null stream through the same 64 KiB buffer imagespec uses. */
  private long dockerJavaSave() throws IOException {
    try (InputStream in = dockerJava.saveImageCmd(BIG).exec()) {
      return copy(in, OutputStream.nullOutputStream());
    }
  }

  private static long copy(InputStream in, OutputStream out) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    int n;
    while ((n = in.read(buf)) >= 0) {
      out.write(buf, 0, n);
      total += n;
    }
    return total;
  }

  // ------------------------------------------------------------------------------ measurement

  @FunctionalInterface
  interface Op {
    void run() throws Exception;
  }

  private Row measure(String name, String cliForm, int warmup, int iterations, Map<String, Op> ops)
      throws Exception {
    Row row = new Row(name, cliForm, warmup, iterations);
    for (Map.Entry<String, Op> e : ops.entrySet()) {
      for (int i = 0; i < warmup; i++) {
        e.getValue().run();
      }
      row.samples.put(e.getKey(), new ArrayList<>());
    }
    List<String> order = new ArrayList<>(ops.keySet());
    for (int i = 0; i < iterations; i++) {
      for (int k = 0; k < order.size(); k++) {
        String client = order.get((i + k) % order.size());
        long c0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        ops.get(client).run();
        row.samples.get(client).add(System.nanoTime() - t0);
        row.cpu.merge(client, THREADS.getCurrentThreadCpuTime() - c0, Long::sum);
      }
    }
    System.out.println(row.describe());
    return row;
  }

  /** One benchmark row: samples (ns) per client. */
  final class Row {
    final String name;
    final String cliForm;
    final int warmup;
    final int iterations;
    final Map<String, List<Long>> samples = new LinkedHashMap<>();

    /** CPU time of the calling thread, summed over the measured runs (the Java clients). */
    final Map<String, Long> cpu = new LinkedHashMap<>();

    Row(String name, String cliForm, int warmup, int iterations) {
      this.name = name;
      this.cliForm = cliForm;
      this.warmup = warmup;
      this.iterations = iterations;
    }

    double median(String client) {
      List<Long> s = new ArrayList<>(samples.get(client));
      Collections.sort(s);
      int n = s.size();
      return (n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0) / 1e6;
    }

    double min(String client) {
      return Collections.min(samples.get(client)) / 1e6;
    }

    double max(String client) {
      return Collections.max(samples.get(client)) / 1e6;
    }

    double ratio(String other) {
      return median(IMAGESPEC) / median(other);
    }

    String cell(String client) {
      return String.format(
          "%s ms (%s–%s)", fmt(median(client)), fmt(min(client)), fmt(max(client)));
    }

    String describe() {
      StringBuilder b =
          new StringBuilder(
              String.format("%s [warm-up %d, %d measured runs each]%n", name, warmup, iterations));
      for (String c : samples.keySet()) {
        b.append(String.format("  %-12s median %s", c, cell(c)));
        if (!c.equals(CLI)) {
          b.append(
              String.format(
                  ", client thread CPU %s ms per run", fmt(cpu.get(c) / 1e6 / iterations)));
        }
        b.append(System.lineSeparator());
      }
      b.append(
          String.format(
              "  imagespec / docker-java %.2fx, imagespec / CLI %.2fx (CLI: %s)",
              ratio(DOCKER_JAVA), ratio(CLI), cliForm));
      return b.toString();
    }

    String markdown() {
      return String.format(
          "| %s | %s | %s | %s: %s | %.2f× | %.2f× |",
          name,
          cell(IMAGESPEC),
          cell(DOCKER_JAVA),
          cliForm,
          cell(CLI),
          ratio(DOCKER_JAVA),
          ratio(CLI));
    }
  }

  private static String fmt(double ms) {
    return ms >= 100
        ? String.format("%.0f", ms)
        : ms >= 10 ? String.format("%.1f", ms) : String.format("%.2f", ms);
  }

  // ------------------------------------------------------------------------------------- CLI

  private List<String> command(List<String> args) {
    List<String> cmd = new ArrayList<>(List.of(cli, "-H", host));
    cmd.addAll(args);
    return cmd;
  }

  /** Runs the CLI with its output discarded (to /dev/null); fails on a non-zero exit. */
  private void cliDiscard(List<String> args) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command(args))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    int rc = p.waitFor();
    check(rc == 0, "docker " + args.get(0) + " exited " + rc);
  }

  private String cliOutput(List<String> args) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command(args)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    int rc = p.waitFor();
    check(rc == 0, "docker " + args.get(0) + " exited " + rc);
    return out;
  }

  private long cliCount(List<String> args) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command(args)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    long n;
    try (InputStream in = p.getInputStream()) {
      n = copy(in, OutputStream.nullOutputStream());
    }
    int rc = p.waitFor();
    check(rc == 0, "docker " + args.get(0) + " exited " + rc);
    return n;
  }

  // ------------------------------------------------------------------------------------ misc

  private static String dockerJavaVersion() {
    try (InputStream in =
        DockerClientImpl.class.getResourceAsStream(
            "/META-INF/maven/com.github.docker-java/docker-java-core/pom.properties")) {
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException | NullPointerException e) {
      return "?";
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("benchmark check failed: " + what);
    }
  }
}
