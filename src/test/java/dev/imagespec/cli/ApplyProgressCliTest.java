package dev.imagespec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.testing.CliRunner;
import dev.imagespec.testing.CliRunner.Result;
import dev.imagespec.testing.FaultProxy;
import dev.imagespec.testing.RegistryImages;
import dev.imagespec.testing.TarImages;
import dev.imagespec.testing.TestEnv;
import dev.imagespec.testing.TestEnv.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What {@code apply} shows while it works: live lines on a real pseudo-terminal (the CLI runs under
 * {@code script}) while a registry slowed by a {@link FaultProxy} serves a large image; start and
 * end lines with durations off a terminal; nothing but the table with {@code -q}.
 */
class ApplyProgressCliTest {
  /** An uncompressed layer of this many random bytes: about 6 s through the throttle. */
  private static final int BIG = 12 * 1024 * 1024;

  private static final long BYTES_PER_SECOND = 2 * 1024 * 1024;

  /** A live line: the big image, pulling, with bytes done/total. */
  private static final Pattern BYTES =
      Pattern.compile("\\d+(\\.\\d+)?[kMG]?B/\\d+(\\.\\d+)?[kMG]?B");

  private final RegistryClient registry = RegistryClient.builder().build();
  private final RegistryImages cleanup = new RegistryImages(registry);
  private final List<Runnable> removals = new ArrayList<>();

  @TempDir Path dir;

  static Stream<Engine> engines() {
    return TestEnv.engines();
  }

  /** Removes the images pulled (call it while the engine clients are open). */
  private void removeAll() {
    for (Runnable r : removals) {
      try {
        r.run();
      } catch (RuntimeException e) {
        // already gone
      }
    }
    removals.clear();
  }

  @AfterEach
  void cleanUp() {
    removeAll();
    cleanup.close();
  }

  /** Pushes a fresh image of {@code size} random bytes; returns its repository path and tag. */
  private String pushed(String name, int size, long seed) {
    String path = "imagespec-test/progress-" + name + "-" + TestEnv.unique() + ":1";
    TarImages.push(
        registry, cleanup, ImageReference.parse(TestEnv.registry() + "/" + path), seed, size);
    return path;
  }

  private Path manifest(String name, String... images) throws IOException {
    StringBuilder b =
        new StringBuilder(
            "apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\nmetadata:\n  name: "
                + name
                + "\n  namespace: default\nspec:\n  images:\n");
    for (String i : images) {
      b.append("    - image: ").append(i).append('\n');
    }
    Path f = dir.resolve(name + ".yaml");
    Files.writeString(f, b.toString());
    return f;
  }

  private void removeLater(EngineClient c, String ref) {
    removals.add(() -> c.images().remove(ref, false, false));
  }

  /** Where the live test pulls: Docker reports bytes, CRI only that it pulls (state and time). */
  enum Store {
    DOCKER,
    CRI
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Store.class)
  void liveLinesOnATerminalWhileThePullRuns(Store store) throws Exception {
    boolean docker = store == Store.DOCKER;
    String host = docker ? TestEnv.docker().host() : TestEnv.criHost();
    try (FaultProxy proxy = new FaultProxy(TestEnv.registry());
        EngineClient c = TestEnv.docker().client();
        CriRuntime cri = CriRuntime.connect(TestEnv.criHost(), Duration.ofMinutes(5))) {
      try {
        String big = proxy.address() + "/" + pushed("big", BIG, System.nanoTime());
        String small = proxy.address() + "/" + pushed("small", 64 * 1024, System.nanoTime() + 1);
        Predicate<String> present = docker ? c.images()::exists : ref -> cri.get(ref).isPresent();
        for (String ref : List.of(big, small)) {
          removals.add(
              docker
                  ? () -> c.images().remove(ref, false, false)
                  : () -> cri.get(ref).ifPresent(i -> cri.removeImage(i.id())));
        }
        proxy.throttle(BYTES_PER_SECOND);
        Path f = manifest("live", big, small);

        Path script = dir.resolve("apply.sh");
        Files.writeString(
            script,
            "exec '"
                + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -cp '"
                + System.getProperty("java.class.path")
                + "' dev.imagespec.cli.Main apply -f '"
                + f
                + "' --host '"
                + host
                + "'"
                + (docker ? "" : " --runtime cri")
                + "\n");
        ProcessBuilder pb =
            new ProcessBuilder("script", "-qfec", "sh " + script, "/dev/null")
                .redirectErrorStream(true);
        pb.environment().put("TERM", "xterm");
        pb.environment().put("COLUMNS", "200");
        long started = System.nanoTime();
        Process p = pb.start();
        StringBuffer screen = new StringBuffer();
        Thread reader = new Thread(() -> copy(p.getInputStream(), screen), "script-reader");
        reader.setDaemon(true);
        reader.start();
        try {
          // the big image pulls (with bytes done/total where the store tells them, else for a
          // second already) while the small one is done
          Pattern pulling = docker ? BYTES : Pattern.compile(" [1-9]\\d*\\.\\ds$");
          Awaitility.await()
              .atMost(Duration.ofSeconds(60))
              .until(
                  () ->
                      lines(screen).stream()
                              .anyMatch(
                                  l ->
                                      l.contains("pull " + big)
                                          && l.contains("Pulling")
                                          && pulling.matcher(l).find())
                          && lines(screen).stream()
                              .anyMatch(l -> l.contains("pull " + small) && l.contains("Done")));
          assertThat(p.isAlive()).as("the CLI still works: %s", screen).isTrue();
          assertThat(present.test(big)).as("the big pull has not finished").isFalse();
          assertThat(lines(screen)).anyMatch(l -> l.startsWith("[+] ") && l.contains("/2 images"));

          assertThat(p.waitFor(3, TimeUnit.MINUTES)).as(screen.toString()).isTrue();
        } finally {
          p.destroyForcibly();
        }
        reader.join(5000);
        double seconds = (System.nanoTime() - started) / 1e9;
        String all = screen.toString();
        assertThat(p.exitValue()).as(all).isZero();
        assertThat(present.test(big)).isTrue();
        // the live lines are erased and the table takes their place
        String last = all.substring(all.lastIndexOf("\033[J") + 3);
        assertThat(last).contains("SPEC").contains("default/live").contains("2/2");
        assertThat(last).doesNotContain("Pulling").doesNotContain("[+]");
        // redrawn in place, at most 10 times a second
        long frames = count(all, "\033[J");
        assertThat(frames).isGreaterThan(2).isLessThanOrEqualTo((long) (seconds * 10) + 2);
        assertThat(all).contains("\033[2K").containsPattern("\033\\[\\d+A");
      } finally {
        removeAll(); // before the clients close
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void aLineWhenEachActionStartsAndEndsOffATerminal(Engine engine) throws Exception {
    try (FaultProxy proxy = new FaultProxy(TestEnv.registry());
        EngineClient c = engine.client()) {
      try {
        String slow = proxy.address() + "/" + pushed("plain", 4 * 1024 * 1024, System.nanoTime());
        String missing =
            TestEnv.registry() + "/imagespec-test/progress-missing-" + TestEnv.unique() + ":1";
        removeLater(c, slow);
        proxy.throttle(BYTES_PER_SECOND);
        Path f = manifest("plain", slow, missing);

        CliRunner.Background run =
            CliRunner.start("apply", "-f", f.toString(), "--host", engine.host());
        // the start line is there while the pull still runs
        Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> run.errSoFar().contains("pull " + slow + " ..."));
        assertThat(c.images().exists(slow)).as("the pull has not finished").isFalse();
        assertThat(run.errSoFar()).doesNotContain("pull " + slow + " done");

        Result r = run.join(Duration.ofMinutes(3));
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCodes.FAILED);
        List<String> err = Arrays.asList(r.err().split("\n"));
        assertThat(err).doesNotContain("\033[2K");
        int start = err.indexOf("pull " + slow + " ...");
        int end = indexOfMatch(err, "pull " + Pattern.quote(slow) + " done in \\d+\\.\\ds.*");
        assertThat(start).as(r.err()).isNotNegative();
        assertThat(end).as(r.err()).isGreaterThan(start);
        assertThat(err.get(end))
            .as("4 MiB at 2 MiB/s")
            .doesNotStartWith("pull " + slow + " done in 0.");
        assertThat(err)
            .as(r.err())
            .contains("pull " + missing + " ...")
            .anyMatch(
                l -> l.matches("pull " + Pattern.quote(missing) + " failed in \\d+\\.\\ds: .+"));
        assertThat(r.out()).contains("SPEC").contains("default/plain").contains("1/2");
        assertThat(r.err()).doesNotContain(TestEnv.authPassword());
      } finally {
        removeAll(); // before the clients close
      }
    }
  }

  @Test
  void quietShowsOnlyTheTableAndErrors() throws Exception {
    Engine engine = TestEnv.docker();
    try (EngineClient c = engine.client()) {
      try {
        String ok = TestEnv.registry() + "/" + pushed("quiet", 64 * 1024, System.nanoTime());
        String missing =
            TestEnv.registry() + "/imagespec-test/progress-missing-" + TestEnv.unique() + ":1";
        removeLater(c, ok);
        Path f = manifest("quiet", ok, missing);

        Result r = CliRunner.run("apply", "-f", f.toString(), "--host", engine.host(), "-q");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCodes.FAILED);
        assertThat(r.err()).doesNotContain("pull " + ok).doesNotContain(" ...");
        assertThat(r.out()).contains("default/quiet").contains("1/2");
        assertThat(r.out()).as("the failure is still told").contains(missing);
        assertThat(c.images().exists(ok)).isTrue();

        // --progress=quiet is -q
        Result again =
            CliRunner.run("apply", "-f", f.toString(), "--host", engine.host(), "--progress=quiet");
        assertThat(again.err()).doesNotContain("pull " + missing + " ...");
      } finally {
        removeAll(); // before the clients close
      }
    }
  }

  @Test
  void eachWatchPassShowsItsProgressThenItsTable() throws Exception {
    Engine engine = TestEnv.docker();
    try (EngineClient c = engine.client()) {
      try {
        String first = TestEnv.registry() + "/" + pushed("watch1", 64 * 1024, System.nanoTime());
        String second =
            TestEnv.registry() + "/" + pushed("watch2", 64 * 1024, System.nanoTime() + 1);
        removeLater(c, first);
        removeLater(c, second);
        Path f = manifest("watch", first);
        CliRunner.Background watcher =
            CliRunner.start("apply", "-f", f.toString(), "--watch", "--host", engine.host());
        Result r;
        try {
          Awaitility.await()
              .atMost(Duration.ofSeconds(60))
              .until(
                  () ->
                      watcher.errSoFar().contains("pull " + first + " done in")
                          && watcher.outSoFar().contains("SPEC"));
          assertThat(watcher.errSoFar()).doesNotContain(second);
          manifest("watch", first, second); // the same file, now with both images
          Awaitility.await()
              .atMost(Duration.ofSeconds(60))
              .until(
                  () ->
                      watcher.errSoFar().contains("pull " + second + " done in")
                          && watcher.outSoFar().split("SPEC", -1).length > 2);
        } finally {
          ApplyCommand.stopWatching();
          r = watcher.join(Duration.ofSeconds(30));
        }
        String err = r.err();
        int changed = err.indexOf("manifests changed");
        assertThat(err.indexOf("pull " + first + " ...")).isNotNegative().isLessThan(changed);
        assertThat(err.indexOf("pull " + second + " ...")).isGreaterThan(changed);
        assertThat(err.indexOf("pull " + second + " done in")).isGreaterThan(changed);
      } finally {
        removeAll(); // before the client closes
      }
    }
  }

  /** The lines drawn: each starts after an erase-line sequence, ANSI codes removed. */
  private static List<String> lines(CharSequence screen) {
    List<String> out = new ArrayList<>();
    for (String part : screen.toString().split("\033\\[2K")) {
      String line = part.split("[\r\n]", -1)[0];
      out.add(line.replaceAll("\033\\[[0-9;]*[A-Za-z]", "").strip());
    }
    return out;
  }

  private static int indexOfMatch(List<String> lines, String regex) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).matches(regex)) {
        return i;
      }
    }
    return -1;
  }

  private static long count(String s, String part) {
    long n = 0;
    for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length())) {
      n++;
    }
    return n;
  }

  private static void copy(InputStream in, StringBuffer to) {
    byte[] buf = new byte[8192];
    try {
      for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
        to.append(new String(buf, 0, r, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      // the process ended
    }
  }
}
