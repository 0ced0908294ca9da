package dev.imagespec.cli;

import static dev.imagespec.testing.CliRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.cri.CriImage;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.testing.CliRunner;
import dev.imagespec.testing.CliRunner.Result;
import dev.imagespec.testing.CriPods;
import dev.imagespec.testing.Ctr;
import dev.imagespec.testing.SocketProxy;
import dev.imagespec.testing.TestEnv;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code imagespec apply} and {@code plan} end to end on the test containerd through CRI (and
 * containerd's own API), the scenarios of {@link ApplyCliTest}; results are checked through a
 * {@link CriRuntime} of the test's own and through {@code ctr}.
 */
class ApplyCriTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  private String host;
  private CriRuntime cri;
  private final List<String> created = new ArrayList<>();

  @BeforeEach
  void connect() {
    host = TestEnv.criHost();
    cri = CriRuntime.connect(host, Duration.ofMinutes(5));
  }

  /** Removes every image the test made, by whichever name or ID it still has. */
  @AfterEach
  void cleanUp() {
    try {
      for (String name : created) {
        try {
          cri.get(name).ifPresent(i -> cri.removeImage(i.id()));
        } catch (RuntimeException ignored) {
          // already gone, or removed through another of its names
        }
      }
    } finally {
      cri.close();
    }
  }

  /**
   * Pushes a fresh image (labels as given) to {@code registry} through dockerd, which then forgets
   * it: the image is in the registry only.
   */
  private String published(String registry, String name, AuthConfig auth, String... labels) {
    String ref = registry + "/applycri/" + name + TestEnv.unique() + ":1.0";
    try (EngineClient docker = TestEnv.docker().client()) {
      TestEnv.seed(docker, ref, labels);
      docker.images().push(ref, PushOptions.builder().auth(auth).build(), null);
      docker.images().remove(ref, false, false);
    }
    created.add(ref);
    return ref;
  }

  private String published(String name, String... labels) {
    return published(TestEnv.registry(), name, null, labels);
  }

  private CriPods.PulledImage pulled(String name) {
    CriPods.PulledImage p =
        CriPods.pullRootfsImage(host, "applycri/" + name + TestEnv.unique(), "1");
    created.add(p.id());
    return p;
  }

  private Path manifest(String name, String yaml) throws IOException {
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

  private JsonNode plan(String on, Path f, String... extra) throws IOException {
    List<String> args = new ArrayList<>(List.of("plan", "-f", f.toString(), "--host", on));
    args.addAll(List.of(extra));
    args.addAll(List.of("-o", "json"));
    Result r = run(args.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    return JSON.readTree(r.out());
  }

  private boolean present(String referenceOrId) {
    return cri.get(referenceOrId).isPresent();
  }

  private String id(String reference) {
    return cri.get(reference).map(CriImage::id).orElseThrow();
  }

  @Test
  void convergesAndIsIdempotentWithNoMutatingCallTheSecondTime() throws Exception {
    String a = published("a");
    String b = published("b");
    String extra = TestEnv.registry() + "/applycri/extra" + TestEnv.unique() + ":stable";
    created.add(extra);
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

    JsonNode before = plan(host, f, "--runtime", "cri");
    assertThat(before.findValuesAsText("action")).contains("pull", "tag");
    assertThat(present(a)).as("plan changes nothing").isFalse();

    Result apply = run("apply", "-f", f.toString(), "--host", host, "--runtime", "cri");
    assertThat(apply.code()).as(apply.out() + apply.err()).isZero();
    assertThat(apply.out()).contains("default/conv").contains("2/2").contains("Ready");
    // the declared tag is a name of the same image, in CRI and in containerd's own records
    assertThat(id(extra)).isEqualTo(id(a));
    assertThat(Ctr.imageNames()).contains(a, b, extra);

    // the second time: nothing planned, nothing done, and containerd sees no image change at all
    List<CriRuntime.ImageEvent> events = new CopyOnWriteArrayList<>();
    String markerBefore = TestEnv.registry() + "/applycri/marker" + TestEnv.unique() + ":before";
    String markerAfter = TestEnv.registry() + "/applycri/marker" + TestEnv.unique() + ":after";
    try (CriRuntime.ImageEvents feed = cri.events()) {
      Thread reader =
          new Thread(
              () -> {
                try {
                  while (feed.hasNext()) {
                    events.add(feed.next());
                  }
                } catch (RuntimeException closed) {
                  // the feed was closed
                }
              },
              "containerd-events");
      reader.setDaemon(true);
      reader.start();
      // a marker made out of band shows the feed is live before the second pass starts
      Ctr.run("images", "tag", a, markerBefore);
      Awaitility.await()
          .atMost(WAIT)
          .until(() -> events.stream().anyMatch(e -> e.name().equals(markerBefore)));

      assertThat(plan(host, f)).isEmpty();
      Result again = run("apply", "-f", f.toString(), "--host", host, "-o", "json");
      assertThat(again.code()).as(again.out() + again.err()).isZero();
      assertThat(JSON.readTree(again.out()).get(0).path("actions")).isEmpty();

      Ctr.run("images", "tag", a, markerAfter);
      Awaitility.await()
          .atMost(WAIT)
          .until(() -> events.stream().anyMatch(e -> e.name().equals(markerAfter)));
    } finally {
      Ctr.rm(markerBefore, markerAfter);
    }
    List<String> ours = List.of(repo(a), repo(b), repo(extra), id(a), id(b));
    int start = indexOf(events, markerBefore);
    int end = indexOf(events, markerAfter);
    assertThat(
            events.subList(start + 1, end).stream()
                .filter(e -> ours.stream().anyMatch(p -> e.name().startsWith(p)))
                .toList())
        .as("image events of the converged images during the second plan and apply")
        .isEmpty();
  }

  private static String repo(String reference) {
    return reference.substring(0, reference.lastIndexOf(':'));
  }

  private static int indexOf(List<CriRuntime.ImageEvent> events, String name) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new AssertionError("no event for " + name + " in " + events);
  }

  @Test
  void absentRemovesButNeverAnImageAContainerUsesRunningOrStopped() throws Exception {
    CriPods.PulledImage gone = pulled("gone");
    CriPods.PulledImage used = pulled("used");
    Path f =
        manifest(
            "a.yaml",
            spec(
                "revoke",
                "  images:\n    - image: "
                    + gone.reference()
                    + "\n      ensure: Absent\n    - image: "
                    + used.reference()
                    + "\n      ensure: Absent\n"));
    try (CriPods.Running pod =
        CriPods.runContainer(host, used.reference(), "used-" + TestEnv.unique())) {
      Result r = run("apply", "-f", f.toString(), "--host", host);
      assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
      assertThat(r.out()).contains(pod.displayName());
      assertThat(present(gone.id())).as("the Absent image is gone, not just its tag").isFalse();
      assertThat(Ctr.imageNames()).doesNotContain(gone.reference());
      assertThat(present(used.id())).isTrue();
      assertThat(present(used.reference())).isTrue();

      pod.stop();
      Result stopped = run("apply", "-f", f.toString(), "--host", host, "--runtime", "cri");
      assertThat(stopped.code()).as(stopped.out() + stopped.err()).isEqualTo(1);
      assertThat(stopped.out()).contains(pod.displayName());
      assertThat(present(used.reference())).as("a stopped container still uses it").isTrue();
    }
    // with the pod gone the image can go
    Result free = run("apply", "-f", f.toString(), "--host", host);
    assertThat(free.code()).as(free.out() + free.err()).isZero();
    assertThat(present(used.id())).isFalse();
  }

  @Test
  void pruneRemovesOnlyUndeclaredImagesNoContainerUses() throws Exception {
    String run = TestEnv.unique();
    String label = "prune.run=" + run;
    String dangling = published("dangling", label);
    String danglingInUse = published("danglinginuse", label);
    String declared = published("declared", label);
    String undeclared = published("undeclared", label);
    String danglingId = cri.pull(dangling, null).id();
    String danglingInUseId = cri.pull(danglingInUse, null).id();
    String declaredId = cri.pull(declared, null).id();
    String undeclaredId = cri.pull(undeclared, null).id();
    created.addAll(List.of(danglingId, danglingInUseId, declaredId, undeclaredId));
    try (CriPods.Running pod =
        CriPods.runContainer(host, danglingInUseId, "prune-" + run.toLowerCase())) {
      // out of band, the tags go: both images keep only their digest names (dangling)
      Ctr.rm(dangling, danglingInUse);
      Awaitility.await()
          .atMost(WAIT)
          .until(
              () ->
                  cri.get(danglingId).orElseThrow().repoTags().isEmpty()
                      && cri.get(danglingInUseId).orElseThrow().repoTags().isEmpty());
      Path f =
          manifest(
              "p.yaml",
              spec(
                  "pruner",
                  "  images:\n    - image: "
                      + declared
                      + "\n  prune:\n    schedule: \"0 3 * * *\"\n    dangling: false\n"
                      + "    labels: [\""
                      + label
                      + "\"]\n"));
      Result r = run("apply", "-f", f.toString(), "--host", host, "--prune");
      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(present(danglingId)).isFalse();
      assertThat(present(undeclaredId)).isFalse();
      assertThat(present(danglingInUseId)).as("in use by " + pod).isTrue();
      assertThat(present(declaredId)).isTrue();
      assertThat(present(declared)).isTrue();
    }
  }

  private static String secret(String registry, String userPass) {
    String auth = Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    String config = "{\"auths\":{\"" + registry + "\":{\"auth\":\"" + auth + "\"}}}";
    String b64 = Base64.getEncoder().encodeToString(config.getBytes(StandardCharsets.UTF_8));
    return "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: cred\n  namespace: default\n"
        + "type: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: "
        + b64
        + "\n";
  }

  @Test
  void pullsAPrivateImageWithTheSecretAndReportsWrongCredentials() throws Exception {
    AuthConfig auth = AuthConfig.basic(TestEnv.authUser(), TestEnv.authPassword());
    String good = published(TestEnv.authRegistry(), "private", auth);
    String other = published(TestEnv.authRegistry(), "private", auth);
    String userPass = TestEnv.authUser() + ":" + TestEnv.authPassword();
    Path f =
        manifest(
            "private.yaml",
            spec("private", "  pullSecrets: [cred]\n  images:\n    - image: " + good + "\n")
                + secret(TestEnv.authRegistry(), userPass));
    Result r = run("apply", "-f", f.toString(), "--host", host);
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(present(good)).isTrue();
    assertThat(r.out() + r.err()).doesNotContain(TestEnv.authPassword());
    assertThat(plan(host, f)).isEmpty();

    Path bad =
        manifest(
            "bad.yaml",
            spec("private", "  pullSecrets: [cred]\n  images:\n    - image: " + other + "\n")
                + secret(TestEnv.authRegistry(), TestEnv.authUser() + ":wrong-pw-x"));
    Result denied = run("apply", "-f", bad.toString(), "--host", host, "-o", "json");
    assertThat(denied.code()).as(denied.out() + denied.err()).isEqualTo(1);
    assertThat(denied.out()).contains(other).contains("401 Unauthorized");
    assertThat(denied.out() + denied.err())
        .doesNotContain("wrong-pw-x")
        .doesNotContain(TestEnv.authPassword());
    assertThat(present(other)).isFalse();
  }

  /**
   * ApplyCliTest's mirror test on containerd: the push reads the blobs from containerd's content
   * store and uploads them with the Secret's credentials; the next plan is empty; wrong credentials
   * fail with exit 1, naming the target and never the password.
   */
  @Test
  void mirrorsToTheHtpasswdRegistryWithASecret() throws Exception {
    String source = published("mirror");
    String target = TestEnv.authRegistry() + "/applycri/mirrored" + TestEnv.unique() + ":1.0";
    created.add(target);
    String userPass = TestEnv.authUser() + ":" + TestEnv.authPassword();
    Path f = manifest("m.yaml", mirror(source, target, userPass));
    Result r = run("apply", "-f", f.toString(), "--host", host);
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out() + r.err()).doesNotContain(TestEnv.authPassword());
    assertThat(
            RegistryClient.builder()
                .build()
                .digest(
                    ImageReference.parse(target),
                    AuthConfig.basic(TestEnv.authUser(), TestEnv.authPassword())))
        .as("the target is in the htpasswd registry")
        .isPresent();
    assertThat(plan(host, f)).isEmpty();

    String target2 = TestEnv.authRegistry() + "/applycri/mirrored" + TestEnv.unique() + ":1.0";
    Path bad = manifest("bad.yaml", mirror(source, target2, TestEnv.authUser() + ":wrong-pw-x"));
    Result denied = run("apply", "-f", bad.toString(), "--host", host, "-o", "json");
    assertThat(denied.code()).as(denied.out() + denied.err()).isEqualTo(1);
    assertThat(denied.out()).contains(target2).contains("PushFailed");
    assertThat(denied.out() + denied.err())
        .doesNotContain("wrong-pw-x")
        .doesNotContain(TestEnv.authPassword());
  }

  private String mirror(String source, String target, String userPass) {
    return spec(
            "mirror",
            "  images:\n    - image: "
                + source
                + "\n      pushes:\n        - to: "
                + target
                + "\n          credentialsSecret: cred\n")
        + secret(TestEnv.authRegistry(), userPass);
  }

  @Test
  void nextApplyConvergesAfterTheRuntimeSocketWasCutMidPass() throws Exception {
    String ok = published("restartok");
    String slow = published("restartslow");
    Path real = Path.of(host.replaceFirst("^unix://", ""));
    Path f;
    try (HeldRegistry held = new HeldRegistry(registryPort());
        SocketProxy proxy = new SocketProxy(dir.resolve("containerd.sock"), real)) {
      // the same image through a registry address whose first connection is held: its pull is
      // in flight in containerd when the socket is cut
      String throughHeld = "127.0.0.1:" + held.port() + slow.substring(slow.indexOf('/'));
      created.add(throughHeld);
      f =
          manifest(
              "r.yaml",
              spec(
                  "restart",
                  "  images:\n    - image: " + ok + "\n    - image: " + throughHeld + "\n"));
      CliRunner.Background first =
          CliRunner.start("apply", "-f", f.toString(), "--host", proxy.host(), "--runtime", "cri");
      Result cut;
      try {
        Awaitility.await().atMost(WAIT).until(() -> held.connected() && present(ok));
        proxy.cut();
      } finally {
        cut = first.join(Duration.ofSeconds(90));
      }
      assertThat(cut.code()).as(cut.out() + cut.err()).isEqualTo(1);
      assertThat(cut.out())
          .contains("pull " + throughHeld)
          .contains("on " + proxy.host() + ": runtime unreachable");
      assertThat(present(ok)).as("what the pass did before the cut is kept").isTrue();
      assertThat(present(throughHeld)).isFalse();

      proxy.restore();
      held.release();
      Result healed = run("apply", "-f", f.toString(), "--host", proxy.host());
      assertThat(healed.code()).as(healed.out() + healed.err()).isZero();
      assertThat(present(throughHeld)).isTrue();
      assertThat(plan(proxy.host(), f)).isEmpty();
    }
  }

  /**
   * CRI's PullImage reports no progress: {@code --pull-timeout} (the default of specs that set no
   * pullTimeout) bounds it, and says so.
   */
  @Test
  void pullTimeoutEndsAPullThatHangsAndNamesIt() throws Exception {
    String slow = published("timeout");
    try (HeldRegistry held = new HeldRegistry(registryPort())) {
      String throughHeld = "127.0.0.1:" + held.port() + slow.substring(slow.indexOf('/'));
      created.add(throughHeld);
      Path f = manifest("t.yaml", spec("timeout", "  images:\n    - image: " + throughHeld + "\n"));
      long start = System.nanoTime();
      Result r = run("apply", "-f", f.toString(), "--host", host, "--pull-timeout", "2s");
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
      assertThat(r.out())
          .contains(throughHeld)
          .contains("TimedOut")
          .contains("pull did not finish within 2s: cancelled after 2")
          .contains("--pull-timeout");
      assertThat(held.connected()).isTrue();
      assertThat(took).isLessThan(Duration.ofSeconds(45));
      assertThat(present(throughHeld)).isFalse();
    }
  }

  private static int registryPort() {
    String r = TestEnv.registry();
    return Integer.parseInt(r.substring(r.lastIndexOf(':') + 1));
  }

  /**
   * A TCP forwarder to the plain registry that holds every connection until {@link #release()}: a
   * pull through it stays in flight.
   */
  private static final class HeldRegistry implements AutoCloseable {
    private final ServerSocket server;
    private final int target;
    private final CountDownLatch released = new CountDownLatch(1);
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile boolean connected;

    HeldRegistry(int target) throws IOException {
      this.target = target;
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t = new Thread(this::acceptLoop, "held-registry");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    boolean connected() {
      return connected;
    }

    void release() {
      released.countDown();
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          open.add(client);
          connected = true;
          Thread t = new Thread(() -> forward(client), "held-registry-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }

    private void forward(Socket client) {
      try {
        released.await();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
        open.add(upstream);
        pipe(client, upstream);
        pipe(upstream, client);
      } catch (IOException | InterruptedException e) {
        closeQuietly(client);
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
                  // one side closed
                } finally {
                  closeQuietly(from);
                  closeQuietly(to);
                }
              },
              "held-registry-pipe");
      t.setDaemon(true);
      t.start();
    }

    private static void closeQuietly(Socket s) {
      try {
        s.close();
      } catch (IOException ignored) {
        // already closed
      }
    }

    @Override
    public void close() throws IOException {
      released.countDown();
      server.close();
      open.forEach(HeldRegistry::closeQuietly);
    }
  }
}
