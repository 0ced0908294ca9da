package dev.imagespec.spec;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The status types share their common fields through base classes ({@link ObservedStatus}, {@link
 * SpecStatusFields}, {@link NodeTally}, {@link PruneOutcome}); the JSON each writes is unchanged
 * (the CRDs are pinned by CrdsUpToDateTest) and two types never equal each other.
 */
class StatusModelTest {
  static ImageSpecStatus specStatus() {
    ImageSpecStatus st = new ImageSpecStatus();
    st.setObservedGeneration(4L);
    st.setConditions(
        Conditions.against(null, 4L, Instant.parse("2026-01-01T00:00:00Z"))
            .ready(true, "Converged", "1 image converged")
            .build());
    st.setImages(List.of(new ImageStatus("a:1", ImageState.Present, "sha256:1", null, null, null)));
    st.setPrune(new PruneStatus("t1", "t2", 1, 10L, "deleted 1 image"));
    return st;
  }

  @Test
  void aNodeEntryCarriesTheSpecFieldsAndGivesThemBack() {
    ImageSpec spec = ImageSpec.of("ns", "web", ImageSpecSpec.of(ImageEntry.of("a:1")));
    ImageSpecStatus st = specStatus();
    NodeSpecStatus entry = NodeSpecStatus.of(spec, st);
    assertThat(entry.key()).isEqualTo(new SpecKey("ns", "web"));
    assertThat(entry.isReady()).isTrue();
    assertThat(entry.toSpecStatus()).isEqualTo(st).isNotEqualTo(entry);
    assertThat(Serialization.asJson(entry))
        .isEqualTo(
            "{\"namespace\":\"ns\",\"name\":\"web\",\"observedGeneration\":4,\"conditions\":"
                + Serialization.asJson(st.getConditions())
                + ",\"images\":[{\"image\":\"a:1\",\"state\":\"Present\",\"id\":\"sha256:1\"}],"
                + "\"prune\":{\"lastRun\":\"t1\",\"nextRun\":\"t2\",\"imagesDeleted\":1,"
                + "\"spaceReclaimed\":10,\"message\":\"deleted 1 image\"}}");
  }

  @Test
  void countsAndPrunesKeepTheirOwnFieldsAndOrder() {
    assertThat(Serialization.asJson(new NodeCounts(3, 2, 1)))
        .isEqualTo("{\"desired\":3,\"ready\":2,\"failed\":1,\"summary\":\"2/3\"}");
    assertThat(Serialization.asJson(new ImageNodeCounts(2, 1, 0)))
        .isEqualTo("{\"ready\":2,\"failed\":1,\"pending\":0}");
    NodePrune p = NodePrune.of(new SpecKey("ns", "web"), specStatus().getPrune());
    assertThat(Serialization.asJson(p))
        .isEqualTo(
            "{\"spec\":\"ns/web\",\"time\":\"t1\",\"imagesDeleted\":1,\"spaceReclaimed\":10,"
                + "\"message\":\"deleted 1 image\"}");
    assertThat(Serialization.unmarshal(Serialization.asJson(p), NodePrune.class)).isEqualTo(p);
    assertThat(new ImageNodeCounts(1, 1, 0)).isNotEqualTo(new NodeCounts(0, 1, 1));
  }
}
