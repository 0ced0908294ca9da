package dev.imagespec.engine.cri;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.CriImagePort;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.reconcile.ReconcileOptions;
import dev.imagespec.reconcile.ReconcileResult;
import dev.imagespec.reconcile.Reconciler;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.ManifestLoader;
import dev.imagespec.spec.Manifests;
import dev.imagespec.testing.TestEnv;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The CRI-only view of a runtime, as on CRI-O: the test containerd with its own API left unused
 * ({@link CriRuntime#connect(String, Duration, boolean)}, package-private, hence this package).
 * Through the public Reconciler: a pull still works, a declared tag is reported {@code Unsupported}
 * in status naming the runtime, and nothing else is touched.
 */
class CriOnlyApplyTest {

  @Test
  void tagIsUnsupportedNamingTheRuntimeWhilePullsWork() {
    String ref = TestEnv.registry() + "/crionly/app" + TestEnv.unique() + ":1.0";
    String extra = TestEnv.registry() + "/crionly/extra" + TestEnv.unique() + ":stable";
    try (EngineClient docker = TestEnv.docker().client()) {
      TestEnv.seed(docker, ref);
      docker.images().push(ref, PushOptions.defaults(), null);
      docker.images().remove(ref, false, false);
    }
    Manifests m =
        new ManifestLoader()
            .loadString(
                "crionly.yaml",
                "apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\nmetadata:\n  name: crionly\n"
                    + "  namespace: default\nspec:\n  images:\n    - image: "
                    + ref
                    + "\n      tags: ["
                    + extra
                    + "]\n");
    assertThat(m.allProblems()).isEmpty();
    try (CriRuntime criOnly = CriRuntime.connect(TestEnv.criHost(), Duration.ofMinutes(5), false);
        CriRuntime full = CriRuntime.connect(TestEnv.criHost(), Duration.ofMinutes(5))) {
      assertThat(criOnly.info().nativeApi()).isFalse();
      try {
        ReconcileResult r =
            new Reconciler(
                    new CriImagePort(criOnly),
                    CredentialResolver.none(),
                    ReconcileOptions.defaults())
                .reconcile(m.specs(), Map.of());

        assertThat(criOnly.get(ref)).as("the pull works on CRI alone").isPresent();
        assertThat(full.get(extra)).as("no tag was made").isEmpty();
        assertThat(r.hasFailures()).isTrue();
        ImageSpecStatus st = r.statuses().values().iterator().next();
        var degraded = st.condition(ImageSpecStatus.DEGRADED).orElseThrow();
        assertThat(degraded.getReason()).isEqualTo(Reasons.UNSUPPORTED);
        assertThat(degraded.getMessage()).contains(ref);
        ImageStatus image = st.getImages().get(0);
        assertThat(image.getState()).isEqualTo(ImageState.Failed);
        assertThat(image.getMessage())
            .as(image.getMessage())
            .contains("tag " + extra)
            .contains("containerd " + criOnly.info().version())
            .contains("not supported");
      } finally {
        full.get(ref).ifPresent(i -> full.removeImage(i.id()));
      }
    }
  }
}
