package dev.imagespec.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.cri.CriImage;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.engine.cri.RuntimeInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The node runtimes of {@code scripts/engines} ({@code IMAGESPEC_TEST_NODE_HOSTS}): each answers
 * CRI and containerd's API on its own socket, and has an image store of its own.
 */
class NodeRigTest {
  private static final Duration PULL_TIMEOUT = Duration.ofMinutes(1);
  private static final List<CriRuntime> nodes = new ArrayList<>();
  private static List<String> hosts;

  @BeforeAll
  static void connect() {
    hosts = TestEnv.nodeHosts(2);
    for (String host : hosts) {
      nodes.add(CriRuntime.connect(host, PULL_TIMEOUT));
    }
  }

  @AfterAll
  static void close() {
    nodes.forEach(CriRuntime::close);
  }

  @Test
  void everyNodeAnswersOnItsOwnSocket() {
    assertThat(new HashSet<>(hosts)).hasSize(hosts.size()).doesNotContain(TestEnv.criHost());
    for (int i = 0; i < nodes.size(); i++) {
      RuntimeInfo info = nodes.get(i).info();
      assertThat(info.host()).isEqualTo(hosts.get(i));
      assertThat(info.name()).as(hosts.get(i)).isEqualTo("containerd");
      assertThat(info.criApiVersion()).as(hosts.get(i)).isEqualTo("v1");
      assertThat(info.nativeApi()).as(hosts.get(i)).isTrue();
    }
  }

  @Test
  void anImagePulledOnOneNodeIsOnlyThere() throws Exception {
    String repo = "noderig/img" + TestEnv.unique();
    String ref = TestEnv.registry() + "/" + repo + ":1";
    try (EngineClient docker = TestEnv.docker().client();
        RecordingProxy proxy = new RecordingProxy(TestEnv.registry())) {
      TestEnv.seed(docker, ref);
      try {
        docker.images().push(ref, PushOptions.defaults(), null);
      } finally {
        docker.images().remove(ref, true, false);
      }
      // Through a proxy on a random loopback port: nodes reach any loopback registry over HTTP.
      String viaProxy = proxy.address() + "/" + repo + ":1";
      CriRuntime node1 = nodes.get(0);
      CriImage pulled = node1.pull(viaProxy, null);
      try {
        assertThat(pulled.repoTags()).contains(viaProxy);
        assertThat(proxy.count("GET", "/v2/" + repo + "/blobs/")).isPositive();
        assertThat(node1.get(viaProxy)).contains(pulled);
        for (CriRuntime other : nodes.subList(1, nodes.size())) {
          assertThat(other.get(viaProxy)).as(other.host()).isEmpty();
          assertThat(other.get(pulled.id())).as(other.host()).isEmpty();
        }
        try (CriRuntime cri = CriRuntime.connect(TestEnv.criHost(), PULL_TIMEOUT)) {
          assertThat(cri.get(viaProxy)).isEmpty();
        }
      } finally {
        node1.removeImage(viaProxy);
      }
      assertThat(node1.get(viaProxy)).isEmpty();
    }
  }
}
