package dev.imagespec.bench;

import dev.imagespec.engine.cri.CriClient;
import dev.imagespec.engine.cri.v1.Image;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@link OperatorAgentMemoryCheck} with the agent on the CRI backend: {@code operator agent
 * --runtime cri --host IMAGESPEC_TEST_CRI_HOST}, so its 300 pulls, image lists and image events go
 * to containerd's {@code k8s.io} namespace through CRI and containerd's own API. Same specs, JVM
 * flags, passes and target (steady-state VmRSS under 128 MiB); the pulled images are removed from
 * containerd at the end (CRI RemoveImage).
 *
 * <pre>
 * java -cp ... dev.imagespec.bench.CriAgentMemoryCheck target/imagespec.jar DIR
 * </pre>
 */
public final class CriAgentMemoryCheck {
  private CriAgentMemoryCheck() {}

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args.length > 0 ? args[0] : "target/imagespec.jar");
    Path dir = Path.of(args.length > 1 ? args[1] : System.getProperty("java.io.tmpdir"));
    String host = CriBench.criHost();
    OperatorAgentMemoryCheck.run(
        jar,
        dir,
        host,
        List.of("--runtime", "cri"),
        refs -> {
          Set<String> wanted = new HashSet<>(refs);
          int removed = 0;
          try (CriClient cri = CriClient.connect(host)) {
            for (Image i : cri.listImages()) {
              if (i.getRepoTagsList().stream().anyMatch(wanted::contains)) {
                cri.removeImage(i.getId());
                removed++;
              }
            }
          }
          System.out.printf("  cleanup: removed %d pulled images from containerd%n", removed);
        });
  }
}
