package dev.imagespec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.testing.CliRunner;
import dev.imagespec.testing.CliRunner.Result;
import dev.imagespec.testing.HostileManifests;
import dev.imagespec.testing.SocketProxy;
import dev.imagespec.testing.TestEnv;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code imagespec apply -f FILE} on hostile files (issue #13): every one exits 2 with a message
 * naming the file, in bounded time, with no stack trace, and without one engine call — counted by a
 * {@link SocketProxy} in front of the real dockerd. A fuzz test over mutations of {@code examples/}
 * ({@link HostileManifests}; seed printed, {@code -Dimagespec.fuzz.seed=N} repeats a run, {@code
 * -Dimagespec.fuzz.count=N} sets the number of inputs) and one named case per kind of mutation.
 * Failing inputs are written to {@code target/hostile-inputs/}.
 */
class ApplyHostileInputTest {
  private static final Duration PER_INPUT = Duration.ofSeconds(5);
  private static final Path FAILED_INPUTS = Path.of("target", "hostile-inputs");
  private static final String DEEP = "[".repeat(10_000) + "]".repeat(10_000);

  @TempDir static Path sockets;
  @TempDir Path dir;

  static SocketProxy engine;

  @BeforeAll
  static void proxy() {
    String host = TestEnv.docker().host();
    engine = new SocketProxy(sockets.resolve("engine.sock"), Path.of(host.substring(7)));
  }

  @AfterAll
  static void close() {
    if (engine != null) {
      engine.close();
    }
  }

  @Test
  void fuzzedHostileInputsAreRefusedWithoutAnEngineCall() throws Exception {
    long seed = Long.getLong("imagespec.fuzz.seed", System.nanoTime());
    int count = Integer.getInteger("imagespec.fuzz.count", 100);
    System.out.println(
        "ApplyHostileInputTest seed " + seed + " (repeat with -Dimagespec.fuzz.seed=" + seed + ")");

    // the proxy counts what reaches the engine: a command that uses it is seen
    Result ls = CliRunner.run("images", "ls", "-q", "--host", engine.host());
    assertThat(ls.code()).as(ls.err()).isZero();
    assertThat(engine.requests()).as("requests through the proxy").isNotEmpty();

    List<String> bases = new ArrayList<>();
    try (Stream<Path> examples = Files.list(Path.of("examples"))) {
      for (Path p : examples.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        bases.add(Files.readString(p));
      }
    }
    assertThat(bases).hasSizeGreaterThanOrEqualTo(3);

    HostileManifests generator = new HostileManifests(seed, bases);
    List<String> failures = new ArrayList<>();
    java.util.Map<String, Integer> tested = new java.util.TreeMap<>();
    int skipped = 0;
    long started = System.nanoTime();
    ExecutorService precheck =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "hostile-precheck");
              t.setDaemon(true);
              return t;
            });
    try {
      for (int i = 0; tested.values().stream().mapToInt(n -> n).sum() < count; i++) {
        assertThat(i).as("generated inputs (too many stayed valid)").isLessThan(count * 10);
        HostileManifests.Input input = generator.next();
        Path file = dir.resolve(String.format(Locale.ROOT, "hostile-%03d.yaml", i));
        Files.write(file, input.bytes());
        if (input.blind() && valid(precheck, file)) {
          skipped++;
          continue; // the mutation left it valid: not hostile
        }
        tested.merge(input.mutation(), 1, Integer::sum);
        String problem = refusalProblem(file);
        if (problem != null) {
          Path kept = keep(seed, i, input);
          failures.add(
              "#"
                  + i
                  + " "
                  + input.mutation()
                  + " ("
                  + input.description()
                  + "), in "
                  + kept
                  + ": "
                  + problem);
        }
      }
    } finally {
      precheck.shutdownNow();
    }
    System.out.printf(
        Locale.ROOT,
        "ApplyHostileInputTest: %s hostile inputs in %d ms (%d valid mutations skipped)%n",
        tested,
        (System.nanoTime() - started) / 1_000_000,
        skipped);
    assertThat(failures)
        .as("seed " + seed + " (repeat with -Dimagespec.fuzz.seed=" + seed + ")")
        .isEmpty();
    if (count >= 50) {
      assertThat(tested.keySet()).as("every kind of mutation ran").hasSize(10);
    }
  }

  static Stream<Arguments> hostileFiles() {
    String spec =
        "apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\nmetadata:\n  name: web\nspec:\n";
    String valid = spec + "  images:\n    - image: busybox:1.36\n";
    StringBuilder laughs =
        new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i < 10; i++) {
      laughs.append("a").append(i).append(": &a").append(i).append(" [");
      for (int k = 0; k < 9; k++) {
        laughs.append(k == 0 ? "" : ", ").append("*a").append(i - 1);
      }
      laughs.append("]\n");
    }
    return Stream.of(
        Arguments.of(
            "wrong type: a number for a name",
            utf8(valid.replace("name: web", "name: 12")),
            "metadata.name: invalid value '12': expected a string"),
        Arguments.of(
            "wrong type: a number for a boolean",
            utf8(valid + "  prune: {dangling: 2}\n"),
            "spec.prune.dangling: invalid value"),
        Arguments.of(
            "unicode: a bidi override in a comment",
            utf8(valid + "# \u202e } deliberately confusing\n"),
            "bidirectional control character U+202E (RIGHT-TO-LEFT OVERRIDE) at line 8, column 3"),
        Arguments.of(
            "unicode: a NUL byte",
            utf8(valid.replace("busybox", "busy\u0000box")),
            "control character U+0000 at line 7, column 18"),
        Arguments.of(
            "unicode: an escaped unpaired surrogate",
            utf8(valid.replace("busybox:1.36", "\"busybox\\ud800\"")),
            "spec.images[0].image: contains unpaired surrogate U+D800"),
        Arguments.of(
            "unicode: a terminal escape sequence, escaped",
            utf8(valid.replace("busybox:1.36", "\"\\e]0;pwned\\a\"")),
            "spec.images[0].image: contains control character U+001B"),
        Arguments.of(
            "unicode: an encoded surrogate (CESU-8)",
            concat(utf8(valid), new byte[] {'#', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '\n'}),
            "not valid UTF-8: bytes 0xEDA080 at line 8, column 2"),
        Arguments.of(
            "huge scalar: 5 MB",
            utf8(valid.replace("busybox:1.36", "x".repeat(5_000_000))),
            "is 4.8 MiB, more than a manifest source may be (3 MiB)"),
        Arguments.of(
            "huge scalar: a 3 MB line",
            utf8(valid + "  refreshInterval: " + "9".repeat(3_000_000) + "\n"),
            "line 8 is longer than 262144 characters"),
        Arguments.of(
            "deep nesting: 10000 levels",
            utf8(valid + "  pullSecrets: " + DEEP + "\n"),
            "YAML nested too deeply"),
        Arguments.of(
            "aliases: a billion laughs",
            utf8(laughs + valid),
            "YAML alias '*a0' at line 2, column 10: aliases are not supported"),
        Arguments.of(
            "aliases: an alias for an image",
            utf8(valid.replace("busybox:1.36", "&i busybox:1.36\n    - image: *i")),
            "YAML alias '*i' at line 8, column 14"),
        Arguments.of(
            "duplicate keys",
            utf8(valid.replace("name: web", "name: web\n  name: web")),
            "duplicate key 'name'"),
        Arguments.of(
            "binary: gzip",
            new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 'x'},
            "not valid UTF-8: byte 0x8B at line 1, column 2"),
        Arguments.of(
            "truncation: inside a quoted value",
            utf8(spec + "  images: [{image: \"busybox"),
            "found unexpected end of stream"),
        Arguments.of(
            "multi-document: a valid spec and a list",
            utf8(valid + "---\n- a\n- b\n"),
            "document 2: document is not a mapping (found array)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileFiles")
  void hostileFileIsRefusedWithoutAnEngineCall(String name, byte[] bytes, String expected)
      throws Exception {
    Path file = dir.resolve("hostile.yaml");
    Files.write(file, bytes);
    Result r = refused(file);
    assertThat(r.err()).contains(file + ": ").contains(expected);
  }

  @Test
  void aDeviceThatNeverEndsIsRefused() throws Exception {
    Result r = refused(Path.of("/dev/zero"));
    assertThat(r.err()).contains("/dev/zero: is too large, more than a manifest source may be");
  }

  // -------------------------------------------------------------------------------- helpers

  /** Runs apply on {@code file} and checks everything a refusal must be; returns the run. */
  private static Result refused(Path file) throws InterruptedException {
    int before = engine.requests().size();
    int connections = engine.connections();
    long t0 = System.nanoTime();
    CliRunner.Background run =
        CliRunner.start("apply", "-f", file.toString(), "--host", engine.host());
    Result r = run.join(PER_INPUT);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.code()).as("exit code after %d ms; stderr: %s", ms, head(r.err())).isEqualTo(2);
    assertThat(problem(file, r, before, connections)).isNull();
    return r;
  }

  /** What is wrong with how apply refused {@code file}, or null. */
  private static String refusalProblem(Path file) throws InterruptedException {
    int before = engine.requests().size();
    int connections = engine.connections();
    long t0 = System.nanoTime();
    CliRunner.Background run =
        CliRunner.start("apply", "-f", file.toString(), "--host", engine.host());
    Result r = run.join(PER_INPUT);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    if (r.code() == -1) {
      return run.isAlive()
          ? "still running after " + ms + " ms"
          : "died of an uncaught throwable (see the test's stderr); stderr: " + head(r.err());
    }
    if (r.code() != 2) {
      return "exit code " + r.code() + " after " + ms + " ms; stderr: " + head(r.err());
    }
    return problem(file, r, before, connections);
  }

  private static String problem(Path file, Result r, int requestsBefore, int connectionsBefore) {
    String err = r.err();
    if (!err.contains(file.toString())) {
      return "no message names the file; stderr: " + head(err);
    }
    for (String bad :
        List.of(
            "\tat ",
            "Exception",
            "unexpected error",
            "internal error",
            "com.fasterxml",
            "org.yaml",
            "java.lang")) {
      if (err.contains(bad)) {
        return "stderr has '" + bad.strip() + "': " + head(err);
      }
    }
    if (err.codePoints().anyMatch(c -> c < 0x20 && c != '\n' && c != '\r' && c != '\t')) {
      return "stderr carries control characters: " + head(err);
    }
    if (err.length() > 64 * 1024) {
      return "stderr is " + err.length() + " characters long: " + head(err);
    }
    if (!r.out().isEmpty()) {
      return "stdout is not empty: " + head(r.out());
    }
    if (engine.requests().size() != requestsBefore || engine.connections() != connectionsBefore) {
      return "engine calls were made: "
          + engine.requests().subList(requestsBefore, engine.requests().size());
    }
    return null;
  }

  /** Whether the loader accepts {@code file} as apply would (bounded; a hang counts as hostile). */
  private static boolean valid(ExecutorService pool, Path file) {
    Future<Boolean> check =
        pool.submit(
            () -> {
              var m = new dev.imagespec.spec.ManifestLoader().load(file.toString());
              return m.allProblems().isEmpty() && !m.specs().isEmpty();
            });
    try {
      return check.get(PER_INPUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception | Error e) {
      check.cancel(true);
      return false;
    }
  }

  private static Path keep(long seed, int index, HostileManifests.Input input) {
    try {
      Files.createDirectories(FAILED_INPUTS);
      Path p =
          FAILED_INPUTS.resolve(
              String.format(Locale.ROOT, "%d-%03d-%s.yaml", seed, index, input.mutation()));
      Files.write(p, input.bytes());
      return p.toAbsolutePath();
    } catch (java.io.IOException e) {
      return Path.of("(not written: " + e.getMessage() + ")");
    }
  }

  private static String head(String s) {
    return s.length() <= 600 ? s : s.substring(0, 600) + "...";
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
