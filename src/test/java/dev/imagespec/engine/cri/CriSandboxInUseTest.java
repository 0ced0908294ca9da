package dev.imagespec.engine.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagespec.testing.CriPods;
import dev.imagespec.testing.TestEnv;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The sandbox ("pause") image of a running pod is in use, though CRI lists sandboxes apart from
 * containers and without their image (containerd 1.6 does not pin it either): removing it is
 * refused, naming the pod.
 */
class CriSandboxInUseTest {
  @Test
  void aPodsSandboxImageIsInUse() throws Exception {
    String host = TestEnv.criHost();
    String sandboxImage = TestEnv.criSandboxImage();
    CriPods.PulledImage img = CriPods.pullRootfsImage(host, "sandboxinuse" + TestEnv.unique(), "1");
    try (CriRuntime runtime = CriRuntime.connect(host, Duration.ofMinutes(2));
        CriPods.Running pod = CriPods.runContainer(host, img.reference(), "sbx")) {
      CriImage pause = runtime.get(sandboxImage).orElseThrow();
      assertThat(runtime.containers())
          .anyMatch(c -> c.name().endsWith("(pod sandbox)") && c.uses(pause));
      assertThatThrownBy(() -> runtime.removeImage(pause.id()))
          .isInstanceOf(ImageInUseException.class)
          .hasMessageContaining("(pod sandbox)");
      assertThat(runtime.get(sandboxImage)).isPresent();
    } finally {
      try (CriClient cri = CriClient.connect(host)) {
        cri.removeImage(img.id());
      }
    }
  }
}
