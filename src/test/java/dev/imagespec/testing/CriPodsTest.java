package dev.imagespec.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.cri.CriClient;
import dev.imagespec.engine.cri.v1.Container;
import dev.imagespec.engine.cri.v1.ContainerState;
import dev.imagespec.engine.cri.v1.Image;
import dev.imagespec.engine.cri.v1.PodSandbox;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link CriPods} on the CRI containerd of {@code scripts/engines}: a real container uses an image
 * pulled through CRI, stays listed (and so keeps using it) after it stopped, and is gone with its
 * sandbox after close.
 */
class CriPodsTest {
  private String host;
  private CriClient cri;
  private CriPods.PulledImage image;

  @BeforeEach
  void pullImage() {
    host = TestEnv.criHost();
    TestEnv.criSandboxImage();
    cri = CriClient.connect(host);
    image = CriPods.pullRootfsImage(host, "cripods/img" + TestEnv.unique(), "1");
  }

  @AfterEach
  void removeImage() {
    if (cri != null) {
      if (image != null) {
        cri.removeImage(image.reference());
      }
      cri.close();
    }
  }

  @Test
  void containerUsesTheImageWhileRunningAndAfterStopUntilClosed() {
    String name = "pod-" + TestEnv.unique();
    String containerId;
    String sandboxId;
    try (CriPods.Running pod = CriPods.runContainer(host, image.reference(), name)) {
      containerId = pod.containerId();
      sandboxId = pod.sandboxId();
      assertThat(pod.displayName()).isEqualTo("imagespec-test/" + name + "/" + name);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(pod.status().getState()).isEqualTo(ContainerState.CONTAINER_RUNNING));
      // containerd reports a repo digest here (ListContainers: the ID); both name the image
      assertThat(cri.imageStatus(pod.status().getImageRef()).map(Image::getId))
          .contains(image.id());

      Container listed = container(containerId).orElseThrow();
      assertThat(listed.getImageRef()).isEqualTo(image.id());
      assertThat(listed.getPodSandboxId()).isEqualTo(sandboxId);
      assertThat(listed.getLabelsMap())
          .containsEntry("io.kubernetes.pod.namespace", CriPods.NAMESPACE)
          .containsEntry("io.kubernetes.pod.name", name)
          .containsEntry("io.kubernetes.container.name", name);
      assertThat(sandbox(sandboxId)).isPresent();

      pod.stop();
      // StopContainer returns once the task exited: the SIGTERM trap ended it, no 10 s SIGKILL wait
      assertThat(pod.status().getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
      assertThat(pod.status().getExitCode()).isZero();
      assertThat(container(containerId))
          .hasValueSatisfying(
              c -> {
                assertThat(c.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
                assertThat(c.getImageRef()).isEqualTo(image.id());
              });
    }
    assertThat(container(containerId)).isEmpty();
    assertThat(sandbox(sandboxId)).isEmpty();
  }

  private Optional<Container> container(String id) {
    return cri.listContainers().stream().filter(c -> c.getId().equals(id)).findFirst();
  }

  private Optional<PodSandbox> sandbox(String id) {
    return CriPods.listPodSandboxes(host).stream().filter(s -> s.getId().equals(id)).findFirst();
  }
}
