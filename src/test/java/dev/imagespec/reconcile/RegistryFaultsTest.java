package dev.imagespec.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ManifestLoader;
import dev.imagespec.spec.Manifests;
import dev.imagespec.spec.SpecKey;
import dev.imagespec.testing.Ctr;
import dev.imagespec.testing.FaultProxy;
import dev.imagespec.testing.RegistryImages;
import dev.imagespec.testing.TarImages;
import dev.imagespec.testing.TestEnv;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Registry faults in front of the real registry ({@link FaultProxy}) while real engines pull
 * through it — dockerd and the CRI containerd (Podman is left out: it reaches only the registries
 * its registries.conf lists as insecure over plain HTTP, and the proxy's port is not one of them):
 *
 * <ul>
 *   <li>500, 503 and 429 with {@code Retry-After} for a few requests: the engine reports them, the
 *       {@link Retrier} retries, the pass (or the next one) converges;
 *   <li>connections reset mid-blob: a pass whose pulls keep failing fails naming the cause, leaves
 *       no image behind, and the next pass (the registry healed) converges;
 *   <li>one reset mid-blob: the engine or the Retrier gets over it within the pass.
 * </ul>
 *
 * Every scenario checks that an image pulled before the fault is still there ("data lost"). Each
 * run writes a line to {@code target/fault-figures.tsv} (scenario, engine, converged, passes, time
 * from the fault's end to convergence): the figures of README's Reliability table. System property
 * {@code faults.runs} (default 1) sets the runs per scenario.
 */
class RegistryFaultsTest {
  private static final int RUNS = Integer.getInteger("faults.runs", 1);
  private static final int LAYER_BYTES = 4 << 20;
  private static final Path FIGURES = Path.of("target", "fault-figures.tsv");

  private final RegistryClient registry = RegistryClient.builder().build();
  private final RegistryImages cleanup = new RegistryImages(registry);
  private final List<Runnable> removals = new ArrayList<>();

  static Stream<String> engines() {
    return Stream.of("docker", "cri");
  }

  @AfterEach
  void cleanUp() {
    removeAll();
    cleanup.close();
  }

  private void removeAll() {
    removals.forEach(
        r -> {
          try {
            r.run();
          } catch (RuntimeException ignored) {
            // gone already
          }
        });
    removals.clear();
  }

  /** One engine under test: its port and a view of its images that does not go through it. */
  private record Engine(String name, ImagePort port, AutoCloseable resource)
      implements AutoCloseable {
    @Override
    public void close() throws Exception {
      resource.close();
    }

    boolean lists(ImageReference ref) {
      if (name.equals("cri")) {
        return Ctr.imageNames().contains(ref.canonical());
      }
      return port.inspect(ref.canonical()).isPresent();
    }
  }

  private Engine engine(String name) {
    if (name.equals("docker")) {
      EngineClient client = TestEnv.docker().client();
      return new Engine(name, new EngineImagePort(client), client);
    }
    CriRuntime runtime = CriRuntime.connect(TestEnv.criHost(), Duration.ofMinutes(5));
    return new Engine(name, new CriImagePort(runtime), runtime);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void registryErrorsAreRetriedAndThePassConverges(String name) throws Exception {
    for (int run = 1; run <= RUNS; run++) {
      scenario(
          name,
          "5xx/429",
          run,
          p ->
              p.respond("GET", "/manifests/", 503, 1, -1)
                  .respond("GET", "/manifests/", 500, 1, -1)
                  .respond("GET", "/blobs/", 429, 1, 1)
                  .respond("GET", "/blobs/", 503, 1, -1),
          false);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void aResetMidBlobIsGotOverWithinThePass(String name) throws Exception {
    for (int run = 1; run <= RUNS; run++) {
      scenario(name, "reset-once", run, null, false);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void resetsMidBlobFailThePassCleanlyAndTheNextPassConverges(String name) throws Exception {
    for (int run = 1; run <= RUNS; run++) {
      scenario(name, "reset-persistent", run, null, true);
    }
  }

  /**
   * {@code pullPolicy: Always} asks imagespec's own registry client for the digest: a 429 with
   * {@code Retry-After: 2} is waited out (the retry comes no sooner) and the pass converges.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void digestLookupsWaitWhatRetryAfterAsks(String name) throws Exception {
    try (FaultProxy proxy = new FaultProxy(TestEnv.registry());
        Engine engine = engine(name)) {
      try {
        String repo = "imagespec-test/faults-always-" + TestEnv.unique();
        ImageReference direct = ImageReference.parse(TestEnv.registry() + "/" + repo + ":1");
        TarImages.push(registry, cleanup, direct, 77, 64 * 1024);
        ImageReference viaProxy = ImageReference.parse(proxy.address() + "/" + repo + ":1");
        removals.add(() -> engine.port.remove(viaProxy.canonical()));
        Manifests m =
            new ManifestLoader()
                .loadString(
                    "always.yaml",
                    "apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\nmetadata:\n"
                        + "  name: always\nspec:\n  pullPolicy: Always\n  images:\n    - image: "
                        + viaProxy.canonical()
                        + "\n");
        assertThat(m.allProblems()).isEmpty();
        CredentialResolver none = (ns, names, domain) -> Optional.empty();
        Reconciler reconciler =
            new Reconciler(
                engine.port,
                none,
                ReconcileOptions.defaults().withRetry(RetryPolicy.of(3, Duration.ofSeconds(1))));
        ReconcileResult pulled = reconciler.reconcile(m.specs(), Map.of());
        assertThat(pulled.converged()).as(pulled.failures().toString()).isTrue();
        proxy.clearRequests();
        proxy.respond("HEAD", "/manifests/", 429, 1, 2);

        // no previous status: the pass asks the registry for the digest now
        ReconcileResult checked = reconciler.reconcile(m.specs(), Map.of());

        assertThat(checked.converged()).as(checked.failures().toString()).isTrue();
        assertThat(checked.calls().pull()).isZero();
        List<FaultProxy.Seen> heads =
            proxy.requests().stream()
                .filter(s -> s.method().equals("HEAD") && s.path().contains("/manifests/"))
                .toList();
        assertThat(heads).extracting(FaultProxy.Seen::status).startsWith(429, 200);
        Duration waited = Duration.between(heads.get(0).answered(), heads.get(1).at());
        assertThat(waited).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        record(
            String.join(
                "\t",
                "429+Retry-After:2 (digest lookup)",
                name,
                "1",
                "converged=" + checked.converged(),
                "passes=1",
                "faults=" + proxy.faulted(FaultProxy.Mode.RESPOND),
                "retryAfterWaitMs=" + waited.toMillis(),
                "ttcMs=0",
                "lost=0",
                ""));
      } finally {
        removeAll(); // before the engine's client closes
      }
    }
  }

  /**
   * Pulls a fresh image through the proxy with {@code arm} faults (null: resets of its layer, one
   * or until the first pass ends), beside an image pulled before; passes until converged.
   */
  private void scenario(
      String name, String fault, int run, Consumer<FaultProxy> arm, boolean persistent)
      throws Exception {
    try (FaultProxy proxy = new FaultProxy(TestEnv.registry());
        Engine engine = engine(name)) {
      try {
        run(engine, proxy, name, fault, run, arm, persistent);
      } finally {
        removeAll();
      }
    }
  }

  private void run(
      Engine engine,
      FaultProxy proxy,
      String name,
      String fault,
      int run,
      Consumer<FaultProxy> arm,
      boolean persistent)
      throws Exception {
    {
      String repo = "imagespec-test/faults-" + name + "-" + TestEnv.unique();
      ImageReference direct = ImageReference.parse(TestEnv.registry() + "/" + repo + ":new");
      ImageReference kept = ImageReference.parse(TestEnv.registry() + "/" + repo + ":kept");
      RegistryImages.Pushed fresh = TarImages.push(registry, cleanup, direct, run, LAYER_BYTES);
      TarImages.push(registry, cleanup, kept, 1000 + run, 64 * 1024);
      ImageReference viaProxy = ImageReference.parse(proxy.address() + "/" + repo + ":new");
      ImageReference keptViaProxy = ImageReference.parse(proxy.address() + "/" + repo + ":kept");
      removals.add(() -> engine.port.remove(viaProxy.canonical()));
      removals.add(() -> engine.port.remove(keptViaProxy.canonical()));
      Manifests m =
          new ManifestLoader()
              .loadString(
                  "faults.yaml",
                  "apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\nmetadata:\n"
                      + "  name: faults\nspec:\n  images:\n    - image: "
                      + keptViaProxy.canonical()
                      + "\n    - image: "
                      + viaProxy.canonical()
                      + "\n");
      assertThat(m.allProblems()).isEmpty();
      // resets that last: one attempt (dockerd alone retries a layer for about 90 s)
      ReconcileOptions options =
          ReconcileOptions.defaults()
              .withRetry(
                  persistent ? RetryPolicy.none() : RetryPolicy.of(3, Duration.ofSeconds(1)));
      CredentialResolver none = (ns, names, domain) -> Optional.empty();
      Reconciler reconciler = new Reconciler(engine.port, none, options);

      // the kept image is there before the fault: only the declared one in front of it
      Manifests keptOnly =
          new ManifestLoader()
              .loadString(
                  "kept.yaml",
                  "apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\nmetadata:\n"
                      + "  name: faults\nspec:\n  images:\n    - image: "
                      + keptViaProxy.canonical()
                      + "\n");
      assertThat(reconciler.reconcile(keptOnly.specs(), Map.of()).converged()).isTrue();
      proxy.clearRequests();

      String layer = fresh.blobs().get(1);
      if (arm != null) {
        arm.accept(proxy);
      } else {
        proxy.resetMidBlob("GET", layer, persistent ? Integer.MAX_VALUE : 1);
      }
      Instant start = Instant.now();
      ReconcileResult first = reconciler.reconcile(m.specs(), Map.of());
      Instant faultEnd;
      String failure = "";
      if (persistent) {
        proxy.clearFaults();
        faultEnd = Instant.now();
        assertThat(first.converged()).isFalse();
        assertThat(first.failures()).hasSize(1);
        failure = first.failures().get(0).message();
        assertThat(failure)
            .as("the failure says the cause")
            .containsAnyOf("reset", "EOF", "unexpected end", "connection")
            .contains(viaProxy.path());
        assertThat(engine.lists(viaProxy)).as("no partial image is listed").isFalse();
        assertThat(engine.port.inspect(viaProxy.canonical())).isEmpty();
        assertThat(engine.lists(keptViaProxy)).as("the image pulled before is kept").isTrue();
      } else {
        faultEnd =
            proxy.requests().stream()
                .filter(s -> s.fault() != null)
                .map(FaultProxy.Seen::answered)
                .filter(Objects::nonNull)
                .max(Comparator.naturalOrder())
                .orElse(start);
      }
      long faults =
          proxy.faulted(FaultProxy.Mode.RESPOND) + proxy.faulted(FaultProxy.Mode.RESET_MID_BLOB);
      assertThat(faults).as("the faults reached the engine: " + proxy.requests()).isPositive();

      Map<SpecKey, ImageSpecStatus> status = first.statuses();
      ReconcileResult last = first;
      int passes = 1;
      while (!last.converged() && passes < 3) {
        last = reconciler.reconcile(m.specs(), status);
        status = last.statuses();
        passes++;
      }
      Instant converged = Instant.now();
      assertThat(last.converged()).as(last.problems() + " " + last.failures()).isTrue();
      assertThat(passes).isLessThanOrEqualTo(persistent ? 2 : 2);
      assertThat(status.values().iterator().next().getImages())
          .allMatch(i -> i.getState() == ImageState.Present);
      assertThat(engine.port.inspect(viaProxy.canonical())).isPresent();
      assertThat(engine.lists(keptViaProxy)).as("the image pulled before is kept").isTrue();
      if (!persistent && arm == null) {
        assertThat(proxy.faulted(FaultProxy.Mode.RESET_MID_BLOB)).isEqualTo(1);
      }
      long ttc = Duration.between(faultEnd, converged).toMillis();
      record(
          String.join(
              "\t",
              fault,
              name,
              String.valueOf(run),
              "converged=" + last.converged(),
              "passes=" + passes,
              "faults=" + faults,
              "firstPassMs=" + Duration.between(start, faultEnd).toMillis(),
              "ttcMs=" + Math.max(0, ttc),
              "lost=0",
              failure.replaceAll("\\s+", " ")));
    }
  }

  private static void record(String line) throws IOException {
    System.out.println("FAULT-FIGURE\t" + line);
    Files.createDirectories(FIGURES.getParent());
    Files.writeString(
        FIGURES,
        line + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }
}
