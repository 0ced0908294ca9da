package dev.imagespec.cli;

import static dev.imagespec.testing.CliRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.Image;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.testing.CliRunner;
import dev.imagespec.testing.CliRunner.Result;
import dev.imagespec.testing.RawEngine;
import dev.imagespec.testing.TestEnv;
import dev.imagespec.testing.TestEnv.Engine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code imagespec apply} and {@code plan} end to end against the real engines and registries. */
class ApplyCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  static Stream<Engine> engines() {
    return TestEnv.engines();
  }

  /** Pushes a fresh image to the plain registry and removes it locally; returns its reference. */
  private static String published(EngineClient c, String name) {
    String ref = TestEnv.registry() + "/apply/" + name + TestEnv.unique() + ":1.0";
    TestEnv.seed(c, ref);
    c.images().push(ref, PushOptions.defaults(), null);
    c.images().remove(ref, false, false);
    return ref;
  }

  private Path manifest(String name, String yaml) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, yaml);
    return f;
  }

  private static String spec(String name, String body) {
    return "apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\nmetadata:\n  name: "
        + name
        + "\n  namespace: default\nspec:\n"
        + body;
  }

  private static JsonNode plan(Engine e, Path f) throws Exception {
    Result r = run("plan", "-f", f.toString(), "--host", e.host(), "-o", "json");
    assertThat(r.code()).as(r.err()).isZero();
    return JSON.readTree(r.out());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void convergesAndIsIdempotent(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      String a = published(c, "a");
      String b = published(c, "b");
      String extra = TestEnv.registry() + "/apply/extra" + TestEnv.unique() + ":stable";
      Path f =
          manifest(
              "s.yaml",
              spec(
                  "conv",
                  "  images:\n    - image: "
                      + a
                      + "\n      tags: ["
                      + extra
                      + "]\n    - image: "
                      + b
                      + "\n"));

      JsonNode before = plan(engine, f);
      assertThat(before).isNotEmpty();
      assertThat(before.findValuesAsText("action")).contains("pull", "tag");
      assertThat(c.images().exists(a)).as("plan changes nothing").isFalse();

      Result apply = run("apply", "-f", f.toString(), "--host", engine.host());
      assertThat(apply.code()).as(apply.out() + apply.err()).isZero();
      assertThat(apply.out()).contains("default/conv").contains("2/2").contains("Ready");
      assertThat(c.images().get(extra).id()).isEqualTo(c.images().get(a).id());
      assertThat(c.images().exists(b)).isTrue();

      assertThat(plan(engine, f)).isEmpty();
      Result again = run("apply", "-f", f.toString(), "--host", engine.host(), "-o", "json");
      assertThat(again.code()).isZero();
      assertThat(JSON.readTree(again.out()).get(0).path("actions")).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void conflictRemovesNothingAndExitsOne(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      String a = TestEnv.registry() + "/apply/conflict" + TestEnv.unique() + ":1";
      Image seeded = TestEnv.seed(c, a);
      Path f =
          manifest(
              "c.yaml",
              spec("want", "  images:\n    - image: " + a + "\n")
                  + "---\n"
                  + spec("revoke", "  images:\n    - image: " + a + "\n      ensure: Absent\n"));
      Result r = run("apply", "-f", f.toString(), "--host", engine.host(), "-o", "json");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.out()).contains("Conflict");
      assertThat(c.images().exists(seeded.id())).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void absentRemovesButNeverAnImageInUse(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      String gone = TestEnv.registry() + "/apply/gone" + TestEnv.unique() + ":1";
      String used = TestEnv.registry() + "/apply/used" + TestEnv.unique() + ":1";
      TestEnv.seed(c, gone);
      TestEnv.seed(c, used);
      String container = "imagespec-it-" + TestEnv.unique();
      RawEngine.createContainer(engine.host(), used, container);
      Path f =
          manifest(
              "a.yaml",
              spec(
                  "revoke",
                  "  images:\n    - image: "
                      + gone
                      + "\n      ensure: Absent\n    - image: "
                      + used
                      + "\n      ensure: Absent\n"));
      Result r = run("apply", "-f", f.toString(), "--host", engine.host());
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.out()).contains(container);
      assertThat(c.images().exists(gone)).isFalse();
      assertThat(c.images().exists(used)).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void pruneKeepsDeclaredAndInUseImages(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      String run = TestEnv.unique();
      Image dangling = TestEnv.seed(c, null, "prune.run=" + run);
      Image danglingInUse = TestEnv.seed(c, null, "prune.run=" + run);
      RawEngine.createContainer(engine.host(), danglingInUse.id(), "imagespec-it-" + run);
      String declared = TestEnv.registry() + "/apply/declared" + run + ":1";
      Image declaredImage = TestEnv.seed(c, declared, "prune.run=" + run);
      String undeclared = TestEnv.registry() + "/apply/undeclared" + run + ":1";
      Image undeclaredImage = TestEnv.seed(c, undeclared, "prune.run=" + run);
      Path f =
          manifest(
              "p.yaml",
              spec(
                  "pruner",
                  "  images:\n    - image: "
                      + declared
                      + "\n  prune:\n    schedule: \"0 3 * * *\"\n    dangling: false\n"
                      + "    labels: [\"prune.run="
                      + run
                      + "\"]\n"));
      Result r = run("apply", "-f", f.toString(), "--host", engine.host(), "--prune");
      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(c.images().exists(dangling.id())).isFalse();
      assertThat(c.images().exists(undeclaredImage.id())).isFalse();
      assertThat(c.images().exists(danglingInUse.id())).isTrue();
      assertThat(c.images().exists(declaredImage.id())).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void mirrorsWithSecretAndReportsWrongCredentials(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      String source = published(c, "mirror");
      String target = TestEnv.authRegistry() + "/mirror/app" + TestEnv.unique() + ":1.0";
      String good = TestEnv.authUser() + ":" + TestEnv.authPassword();
      Path f = manifest("m.yaml", mirror(source, target, good));
      Result r = run("apply", "-f", f.toString(), "--host", engine.host());
      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).doesNotContain(TestEnv.authPassword());
      assertThat(plan(engine, f)).isEmpty();

      String target2 = TestEnv.authRegistry() + "/mirror/app" + TestEnv.unique() + ":1.0";
      Path bad = manifest("bad.yaml", mirror(source, target2, TestEnv.authUser() + ":wrong-pw-x"));
      Result denied = run("apply", "-f", bad.toString(), "--host", engine.host(), "-o", "json");
      assertThat(denied.code()).isEqualTo(1);
      assertThat(denied.out() + denied.err()).doesNotContain("wrong-pw-x");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void imageAnotherNamespacePulledIsNotPushedForASpecThatCannotReadIt(Engine engine)
      throws Exception {
    try (EngineClient c = engine.client()) {
      String priv = TestEnv.authRegistry() + "/priv/app" + TestEnv.unique() + ":1";
      TestEnv.seed(c, priv);
      AuthConfig auth = AuthConfig.basic(TestEnv.authUser(), TestEnv.authPassword());
      c.images().push(priv, PushOptions.builder().auth(auth).build(), null);
      c.images().remove(priv, false, false);
      String exfilRepo = "exfil/stolen" + TestEnv.unique();
      String exfil = TestEnv.registry() + "/" + exfilRepo + ":1";
      String mine = "mine" + TestEnv.unique() + ":1";
      String good = TestEnv.authUser() + ":" + TestEnv.authPassword();
      String teamB =
          secret("team-b", "regcred", TestEnv.authRegistry(), good)
              + "---\n"
              + spec(
                  "team-b",
                  "app",
                  "  pullSecrets: [regcred]\n  images:\n    - image: " + priv + "\n");
      String teamA =
          spec(
              "team-a",
              "steal",
              "  images:\n    - image: "
                  + priv
                  + "\n      tags: ["
                  + mine
                  + "]\n      pushes:\n        - to: "
                  + exfil
                  + "\n");
      try {
        Path f = manifest("t.yaml", teamB + "---\n" + teamA);
        Result r = run("apply", "-f", f.toString(), "--host", engine.host(), "-o", "json");
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        JsonNode docs = JSON.readTree(r.out());
        JsonNode a = doc(docs, "team-a/steal");
        assertThat(condition(a, "Degraded").path("reason").asText()).isEqualTo("Unauthorized");
        String message = a.path("status").path("images").get(0).path("message").asText();
        assertThat(message).contains(TestEnv.authRegistry()).doesNotContain("team-b");
        assertThat(a.path("status").path("pushes").get(0).path("state").asText())
            .isEqualTo("Failed");
        assertThat(condition(doc(docs, "team-b/app"), "Ready").path("status").asText())
            .isEqualTo("True");
        assertThat(r.out() + r.err()).doesNotContain(TestEnv.authPassword());
        assertThat(tagsList(exfilRepo)).isEqualTo(404);
        assertThat(c.images().exists(mine)).isFalse();
        assertThat(c.images().exists(priv)).as("the image stays for team-b").isTrue();

        // team-a with a Secret of its own that can read the image: Ready, and it pushes
        Path own =
            manifest(
                "own.yaml",
                teamB
                    + "---\n"
                    + secret("team-a", "own", TestEnv.authRegistry(), good)
                    + "---\n"
                    + teamA.replace("spec:\n", "spec:\n  pullSecrets: [own]\n"));
        Result ok = run("apply", "-f", own.toString(), "--host", engine.host(), "-o", "json");
        assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
        assertThat(
                condition(doc(JSON.readTree(ok.out()), "team-a/steal"), "Ready")
                    .path("status")
                    .asText())
            .isEqualTo("True");
        assertThat(tagsList(exfilRepo)).isEqualTo(200);
      } finally {
        for (String ref : List.of(mine, exfil, priv)) {
          if (c.images().exists(ref)) {
            c.images().remove(ref, false, false);
          }
        }
      }
    }
  }

  private static JsonNode doc(JsonNode docs, String spec) {
    for (JsonNode d : docs) {
      if (spec.equals(d.path("spec").asText())) {
        return d;
      }
    }
    throw new AssertionError("no " + spec + " in " + docs);
  }

  private static JsonNode condition(JsonNode doc, String type) {
    for (JsonNode c : doc.path("status").path("conditions")) {
      if (type.equals(c.path("type").asText())) {
        return c;
      }
    }
    throw new AssertionError("no condition " + type + " in " + doc);
  }

  /** The HTTP status of the plain registry's tag list of {@code repository}. */
  private static int tagsList(String repository) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    return http.send(
            HttpRequest.newBuilder(
                    URI.create("http://" + TestEnv.registry() + "/v2/" + repository + "/tags/list"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private static String secret(String namespace, String name, String registry, String userPass) {
    String auth = Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    String config = "{\"auths\":{\"" + registry + "\":{\"auth\":\"" + auth + "\"}}}";
    String b64 = Base64.getEncoder().encodeToString(config.getBytes(StandardCharsets.UTF_8));
    return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: "
        + name
        + "\n  namespace: "
        + namespace
        + "\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: "
        + b64
        + "\n";
  }

  private static String spec(String namespace, String name, String body) {
    return "apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\nmetadata:\n  name: "
        + name
        + "\n  namespace: "
        + namespace
        + "\nspec:\n"
        + body;
  }

  private static String mirror(String source, String target, String userPass) {
    String auth = Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    String registry = target.substring(0, target.indexOf('/'));
    String config = "{\"auths\":{\"" + registry + "\":{\"auth\":\"" + auth + "\"}}}";
    String b64 = Base64.getEncoder().encodeToString(config.getBytes(StandardCharsets.UTF_8));
    return spec(
            "mirror",
            "  images:\n    - image: "
                + source
                + "\n      pushes:\n        - to: "
                + target
                + "\n          credentialsSecret: cred\n")
        + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: cred\n  namespace: default\n"
        + "type: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: "
        + b64
        + "\n";
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void registryDownFailsThatImageOnly(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      String ok = published(c, "ok");
      Path f =
          manifest(
              "d.yaml",
              spec(
                  "down",
                  "  images:\n    - image: 127.0.0.1:1/nothing/here:1\n    - image: " + ok + "\n"));
      Result r = run("apply", "-f", f.toString(), "--host", engine.host());
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.out()).contains("127.0.0.1:1/nothing/here");
      assertThat(c.images().exists(ok)).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void watchReappliesWhenAManifestChanges(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      String first = published(c, "watch1");
      String second = published(c, "watch2");
      Path f = manifest("w.yaml", spec("watch", "  images:\n    - image: " + first + "\n"));
      CliRunner.Background watcher =
          CliRunner.start("apply", "-f", dir.toString(), "--watch", "--host", engine.host());
      Result result;
      try {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> c.images().exists(first));
        Files.writeString(
            f,
            spec("watch", "  images:\n    - image: " + first + "\n    - image: " + second + "\n"));
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> c.images().exists(second));
      } finally {
        ApplyCommand.stopWatching();
        result = watcher.join(Duration.ofSeconds(30));
      }
      assertThat(watcher.isAlive()).isFalse();
      assertThat(result.code()).as(result.err()).isZero();
      assertThat(result.err()).contains("manifests changed").contains("stopped");
    }
  }

  /**
   * apply --watch wakes on the spec's refreshInterval when the spec has push targets (a refresh
   * re-verifies them), as the agent does: both use one WakeSchedule. Before, only Always images
   * woke it.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void watchRefreshesPushTargetsOnTheRefreshInterval(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      String source = published(c, "watchpush");
      String target = TestEnv.registry() + "/apply/watchpushed" + TestEnv.unique() + ":1.0";
      manifest(
          "p.yaml",
          spec(
              "watchpush",
              "  refreshInterval: 1s\n  images:\n    - image: "
                  + source
                  + "\n      pushes:\n        - to: "
                  + target
                  + "\n"));
      CliRunner.Background watcher =
          CliRunner.start("apply", "-f", dir.toString(), "--watch", "--host", engine.host());
      Result result;
      try {
        // each pass prints its table: a second one without a file change is the refresh (the
        // first pass pulls and pushes: slow on a loaded podman)
        Awaitility.await()
            .atMost(Duration.ofMinutes(3))
            .until(() -> watcher.outSoFar().split("SPEC", -1).length > 2);
      } finally {
        ApplyCommand.stopWatching();
        result = watcher.join(Duration.ofSeconds(30));
      }
      assertThat(watcher.isAlive()).isFalse();
      assertThat(result.code()).as(result.err()).isZero();
      assertThat(result.err()).doesNotContain("manifests changed");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void invalidInputExitsTwoAndChangesNothing(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      String present = published(c, "invalid");
      List<String> bodies =
          List.of(
              "  images:\n    - image: " + present + "\n    - image: Bad/Ref\n",
              "  images:\n    - image: " + present + "\n      pullPolicy: Sometimes\n",
              "  images:\n    - image: " + present + "\n  refreshInterval: 10 minutes\n",
              "  images:\n    - image: " + present + "\n  prune:\n    schedule: \"every day\"\n",
              "  images:\n    - image: " + present + "\n  colour: blue\n",
              "  images: []\n",
              "  images:\n    - image: busybox\n    - image: docker.io/library/busybox:latest\n",
              "  images:\n    - image: " + present + "\n  pullSecrets: [nosuchsecret]\n",
              "  images:\n    - image: " + present + "\n   bad: [yaml\n");
      int i = 0;
      for (String body : bodies) {
        Path f = manifest("bad" + i++ + ".yaml", spec("bad", body));
        Result r = run("apply", "-f", f.toString(), "--host", engine.host());
        assertThat(r.code()).as(body + "\n" + r.err()).isEqualTo(2);
        assertThat(r.err()).as(body).contains(f.getFileName().toString());
        assertThat(c.images().exists(present)).as("nothing applied for " + body).isFalse();
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void manifestThatIsNotUtf8ExitsTwoNamingTheFileAndWhere(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      String present = published(c, "latin");
      Path f = dir.resolve("latin1.yaml");
      String text = spec("latin", "  images:\n    - image: " + present + "\n# caf\u00e9\n");
      Files.write(f, text.getBytes(StandardCharsets.ISO_8859_1));
      Result r = run("apply", "-f", f.toString(), "--host", engine.host());
      assertThat(r.code()).as(r.err()).isEqualTo(2);
      assertThat(r.err())
          .contains(
              f
                  + ": not valid UTF-8: byte 0xE9 at line 9, column 6 (byte offset "
                  + text.indexOf('\u00e9')
                  + ")")
          .doesNotContain("Input length");
      assertThat(c.images().exists(present)).as("nothing applied").isFalse();
    }
  }

  /**
   * A kustomize directory named itself (the example's base: namespace default, the {@code unset}
   * selector placeholder) exits 2 with the kubectl kustomize hint for the command run, and nothing
   * is applied; one below the directory named is skipped with the same hint.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void kustomizeDirectoryNamedExitsTwoWithTheRenderingHint(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      String present = published(c, "kustomized");
      Path k = dir.resolve("pool a");
      Files.createDirectories(k);
      Files.writeString(k.resolve("kustomization.yaml"), "resources: [prewarm.yaml]\n");
      Files.writeString(
          k.resolve("prewarm.yaml"), spec("prewarm", "  images:\n    - image: " + present + "\n"));
      for (String command : List.of("apply", "plan")) {
        Result r = run(command, "-f", k.toString(), "--host", engine.host());
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err())
            .contains(
                "kubectl kustomize '"
                    + k
                    + "' | imagespec "
                    + command
                    + " -f - (add -f FILE for the Secrets its specs name)");
        Result file =
            run(command, "-f", k.resolve("kustomization.yaml").toString(), "--host", engine.host());
        assertThat(file.code()).as(file.err()).isEqualTo(2);
        assertThat(file.err()).contains("kubectl kustomize '" + k + "' | imagespec " + command);
      }
      Result base = run("apply", "-f", "examples/gitops/base", "--host", engine.host());
      assertThat(base.code()).as(base.err()).isEqualTo(2);
      assertThat(base.err())
          .contains("kubectl kustomize examples/gitops/base | imagespec apply -f -");
      assertThat(c.images().exists(present)).as("nothing applied").isFalse();

      // below the directory named: skipped with a note (then nothing is left: exit 2 before
      // the engine is asked anything)
      Result below = run("plan", "-f", dir.toString(), "--host", engine.host());
      assertThat(below.code()).as(below.err()).isEqualTo(2);
      assertThat(below.err())
          .contains("no ImageSpec found in " + dir)
          .contains(
              "note: "
                  + k
                  + ": skipped, a kustomize directory (its bases and patches are not manifests to"
                  + " plan as they are); to plan what it renders: kubectl kustomize '"
                  + k
                  + "' | imagespec plan -f - (add -f FILE for the Secrets its specs name)");
    }
  }
}
