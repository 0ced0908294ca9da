package dev.imagespec.cli;

import static dev.imagespec.testing.CliRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagespec.engine.cri.CriImage;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.testing.CliRunner.Result;
import dev.imagespec.testing.CriPods;
import dev.imagespec.testing.Ctr;
import dev.imagespec.testing.TestEnv;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * {@code imagespec images ...} on the test containerd (found by probing, or named with {@code
 * --runtime cri}), and the bad input around runtimes: unknown {@code --runtime}, options one kind
 * of store cannot honour, a socket that is no engine, the wrong engine named.
 */
class ImagesCriCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private String host;
  private CriRuntime cri;
  private final List<String> created = new ArrayList<>();

  @BeforeEach
  void connect() {
    host = TestEnv.criHost();
    cri = CriRuntime.connect(host, Duration.ofMinutes(5));
  }

  @AfterEach
  void cleanUp() {
    try {
      for (String name : created) {
        try {
          cri.get(name).ifPresent(i -> cri.removeImage(i.id()));
        } catch (RuntimeException ignored) {
          // already gone
        }
      }
    } finally {
      cri.close();
    }
  }

  private CriPods.PulledImage pulled(String name) {
    CriPods.PulledImage p =
        CriPods.pullRootfsImage(host, "imagescri/" + name + TestEnv.unique(), "1");
    created.add(p.id());
    return p;
  }

  private static Result ok(String... args) {
    Result r = run(args);
    assertThat(r.code()).as(String.join(" ", args) + "\n" + r.out() + r.err()).isZero();
    return r;
  }

  @Test
  void lsInspectExistsTagRmPullOnContainerd() throws Exception {
    CriPods.PulledImage img = pulled("life");
    String ref = img.reference();

    // ls: table, name filter, -q, json; auto-detected and named
    assertThat(ok("images", "ls", "--host", host).out()).contains(repo(ref));
    assertThat(ok("images", "ls", repo(ref), "--host", host, "--runtime", "cri").out())
        .contains(repo(ref))
        .doesNotContain(TestEnv.criSandboxImage().split(":")[0]);
    assertThat(ok("images", "ls", "-q", "--host", host).out()).contains(img.id());
    JsonNode ls = JSON.readTree(ok("images", "ls", "--host", host, "-o", "json").out());
    assertThat(ls.findValuesAsText("Id")).contains(img.id());

    // inspect and exists
    JsonNode inspect = JSON.readTree(ok("images", "inspect", ref, "--host", host).out());
    assertThat(inspect.get(0).path("Id").asText()).isEqualTo(img.id());
    assertThat(inspect.get(0).path("RepoTags").toString()).contains(ref);
    assertThat(inspect.get(0).path("Labels").has("imagespec.test")).isTrue();
    ok("images", "exists", ref, "--host", host);
    Result missing =
        run("images", "exists", TestEnv.registry() + "/imagescri/none:1", "--host", host);
    assertThat(missing.code()).isEqualTo(1);
    Result inspectMissing =
        run("images", "inspect", TestEnv.registry() + "/imagescri/none:1", "--host", host);
    assertThat(inspectMissing.code()).isEqualTo(1);
    assertThat(inspectMissing.err()).contains("imagescri/none:1");

    // tag: a second name of the same image, in CRI and in containerd's records
    String second = TestEnv.registry() + "/imagescri/second" + TestEnv.unique() + ":2";
    created.add(second);
    ok("images", "tag", ref, second, "--host", host, "--runtime", "cri");
    assertThat(cri.get(second).map(CriImage::id)).contains(img.id());
    assertThat(Ctr.imageNames()).contains(second);

    // rm of one name keeps the image; rm of its last tag removes it (digest names too)
    ok("images", "rm", second, "--host", host);
    assertThat(cri.get(second)).isEmpty();
    assertThat(cri.get(img.id())).isPresent();
    Result rm = ok("images", "rm", ref, "--host", host);
    assertThat(rm.out()).contains(img.id());
    assertThat(cri.get(img.id())).isEmpty();

    // pull brings it back from the registry
    Result pull = ok("images", "pull", ref, "--host", host);
    assertThat(pull.out()).contains(ref).contains(img.id());
    assertThat(cri.get(ref).map(CriImage::id)).contains(img.id());
  }

  @Test
  void rmRefusesAnImageAContainerUsesNamingIt() {
    CriPods.PulledImage img = pulled("inuse");
    try (CriPods.Running pod =
        CriPods.runContainer(host, img.reference(), "rm-" + TestEnv.unique())) {
      Result r = run("images", "rm", img.reference(), "--host", host);
      assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
      assertThat(r.out() + r.err()).contains(pod.displayName());
      assertThat(cri.get(img.reference())).isPresent();
      Result forced = run("images", "rm", "--force", img.reference(), "--host", host);
      assertThat(forced.code()).isEqualTo(2);
      assertThat(forced.err()).contains("--force").contains("containerd");
      assertThat(cri.get(img.reference())).isPresent();
    }
  }

  @Test
  void pruneRemovesADanglingImageButNotOneInUse() {
    CriPods.PulledImage free = pulled("prunefree");
    CriPods.PulledImage used = pulled("pruneused");
    String freeLabel = cri.get(free.id()).orElseThrow().labels().get("imagespec.test");
    String usedLabel = cri.get(used.id()).orElseThrow().labels().get("imagespec.test");
    assertThat(freeLabel).isNotBlank();
    try (CriPods.Running pod = CriPods.runContainer(host, used.id(), "prune-" + TestEnv.unique())) {
      Ctr.rm(free.reference(), used.reference());
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  cri.get(free.id()).orElseThrow().repoTags().isEmpty()
                      && cri.get(used.id()).orElseThrow().repoTags().isEmpty());
      ok("images", "prune", "--filter", "label=imagespec.test=" + usedLabel, "--host", host);
      assertThat(cri.get(used.id())).as("in use by " + pod).isPresent();
      Result pruned =
          ok("images", "prune", "--filter", "label=imagespec.test=" + freeLabel, "--host", host);
      assertThat(pruned.out()).contains(free.id());
      assertThat(cri.get(free.id())).isEmpty();
    }
  }

  @Test
  void optionsAndSubcommandsCriCannotHonourExitTwoNamingTheRuntime() {
    CriPods.PulledImage img = pulled("refuse");
    Result platform =
        run("images", "pull", "--platform", "linux/amd64", img.reference(), "--host", host);
    assertThat(platform.code()).isEqualTo(2);
    assertThat(platform.err()).contains("--platform").contains("containerd");

    Result build = run("images", "build", dir.toString(), "-t", "x:1", "--host", host);
    assertThat(build.code()).isEqualTo(2);
    assertThat(build.err()).contains("images build").contains("containerd");

    // a pull deadline is an option of every store; a bad one is refused before any connects
    ok("images", "ls", "--pull-timeout", "5m", "--host", TestEnv.docker().host());
    Result badTimeout = run("images", "ls", "--pull-timeout", "0s", "--host", host);
    assertThat(badTimeout.code()).isEqualTo(2);
    assertThat(badTimeout.err()).contains("--pull-timeout '0s': must be positive");

    ok("images", "ls", "--pull-timeout", "5m", "--host", host);
  }

  @Test
  void unknownRuntimeExitsTwoNamingTheChoices() {
    Result r = run("images", "ls", "--runtime", "rkt", "--host", host);
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("rkt").contains("auto").contains("docker").contains("podman");
    assertThat(r.err()).contains("cri");
  }

  @Test
  void socketThatIsNoEngineExitsOneSayingSo() throws Exception {
    Path path = dir.resolve("not-an-engine.sock");
    try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) {
      server.bind(AFUNIXSocketAddress.of(path));
      Thread t =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try (Socket s = server.accept()) {
                    s.getOutputStream().write("hello\n".getBytes());
                  } catch (IOException e) {
                    return;
                  }
                }
              },
              "not-an-engine");
      t.setDaemon(true);
      t.start();
      Result r = run("images", "ls", "--host", "unix://" + path);
      assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
      assertThat(r.err())
          .contains("unix://" + path + " answers neither the Docker Engine API nor CRI");
    }
  }

  @Test
  void theWrongEngineNamedExitsOneNamingWhatAnswered() {
    Result r = run("images", "ls", "--runtime", "podman", "--host", TestEnv.docker().host());
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.err()).contains("is docker, not podman");

    Result cri = run("images", "ls", "--runtime", "cri", "--host", TestEnv.docker().host());
    assertThat(cri.code()).as(cri.out() + cri.err()).isEqualTo(1);
    assertThat(cri.err())
        .contains(TestEnv.docker().host() + " answers the Docker Engine API, not CRI")
        .doesNotContain("frame");
  }

  private static String repo(String reference) {
    return reference.substring(0, reference.lastIndexOf(':'));
  }
}
