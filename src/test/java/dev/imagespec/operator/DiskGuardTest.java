package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The disk guard's arithmetic and the image size read from manifests. */
class DiskGuardTest {
  static final long MB = 1_000_000;
  static final String IMG = "reg.example/big:1";

  @Test
  void aPullThatStaysAtOrBelowTheLimitPasses() {
    DiskGuard g = new DiskGuard(80);
    // 100 MB, 30 used: 50 more reach exactly 80 %
    assertThat(g.refusal(IMG, "/fs", 100 * MB, 70 * MB, 0, 50 * MB)).isNull();
    assertThat(g.refusal(IMG, "/fs", 100 * MB, 70 * MB, 0, 0)).isNull();
  }

  @Test
  void aPullThatCrossesTheLimitIsRefusedWithTheNumbersAndWhatToDo() {
    DiskGuard g = new DiskGuard(80);
    String why = g.refusal(IMG, "/var/lib/containerd", 100 * MB, 70 * MB, 0, 50 * MB + 1);
    assertThat(why)
        .isEqualTo(
            "refused by the disk guard: pulling reg.example/big:1 (50MB compressed) would fill"
                + " the image filesystem /var/lib/containerd to 81% (30MB used, 70MB free of"
                + " 100MB), above --disk-high-percent 80 (limit 80MB): free space on the node,"
                + " prune unused images (spec.prune), or raise --disk-high-percent");
  }

  @Test
  void usedIsCapacityMinusAvailableAsTheKubeletCountsIt() {
    DiskGuard g = new DiskGuard(85);
    // already above the limit: even a tiny image is refused
    assertThat(g.refusal(IMG, "/fs", 100 * MB, 10 * MB, 0, 1)).contains("90MB used", "10MB free");
    // available beyond capacity (a bogus statvfs) counts as all free
    assertThat(g.refusal(IMG, "/fs", 100 * MB, 200 * MB, 0, 85 * MB)).isNull();
  }

  @Test
  void pullsUnderWayCountAsUsed() {
    DiskGuard g = new DiskGuard(80);
    assertThat(g.refusal(IMG, "/fs", 100 * MB, 70 * MB, 0, 40 * MB)).isNull();
    assertThat(g.refusal(IMG, "/fs", 100 * MB, 70 * MB, 40 * MB, 40 * MB))
        .contains("70MB used incl. 40MB of pulls under way", "to 110%");
  }

  @Test
  void unknownCapacityNeverRefuses() {
    assertThat(new DiskGuard(80).refusal(IMG, "/fs", 0, 0, 0, MB)).isNull();
  }

  @Test
  void theLimitNeitherOverflowsNorRoundsUp() {
    DiskGuard g = new DiskGuard(99);
    assertThat(g.limit(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE / 100 * 99 + 7 * 99 / 100);
    assertThat(g.limit(199)).isEqualTo(197); // 197.01
    assertThat(new DiskGuard(1).limit(99)).isZero();
  }

  @Test
  void thePercentMustBeBetween1And99() {
    assertThat(DiskGuard.highPercentProblem(1)).isNull();
    assertThat(DiskGuard.highPercentProblem(99)).isNull();
    assertThat(DiskGuard.highPercentProblem(0)).contains("between 1 and 99");
    assertThat(DiskGuard.highPercentProblem(100)).contains("between 1 and 99");
    assertThatThrownBy(() -> new DiskGuard(100)).hasMessageContaining("100");
  }

  @Test
  void theSettingsDefaultTo80AndCheckTheRange() {
    AgentReconciler.Settings s = new AgentReconciler.Settings("n", 1, null, null);
    assertThat(s.diskHighPercent()).isEqualTo(80);
    assertThat(s.imageFs()).isNull();
    AgentReconciler.Settings d = s.withDiskGuard(70, "/var/lib/containerd").withWarm(null, null);
    assertThat(d.diskHighPercent()).isEqualTo(70);
    assertThat(d.imageFs()).isEqualTo("/var/lib/containerd");
    assertThatThrownBy(() -> s.withDiskGuard(120, null)).hasMessageContaining("between 1 and 99");
  }

  static JsonNode json(String s) throws Exception {
    return new ObjectMapper().readTree(s.replace('\'', '"'));
  }

  @Test
  void anImagesSizeIsItsConfigPlusItsLayers() throws Exception {
    JsonNode m =
        json(
            "{'schemaVersion':2,'config':{'digest':'sha256:c','size':1000},"
                + "'layers':[{'digest':'sha256:a','size':20000},{'digest':'sha256:b','size':300}]}");
    assertThat(ImageSizes.manifestSize(m)).isEqualTo(21_300);
    assertThat(ImageSizes.manifestSize(json("{'manifests':[]}"))).isEqualTo(-1);
  }

  @Test
  void anIndexEntryIsChosenByPlatform() throws Exception {
    JsonNode index =
        json(
            "{'manifests':["
                + "{'digest':'sha256:att','platform':{'os':'unknown','architecture':'unknown'}},"
                + "{'digest':'sha256:v6','platform':{'os':'linux','architecture':'arm','variant':'v6'}},"
                + "{'digest':'sha256:v7','platform':{'os':'linux','architecture':'arm','variant':'v7'}},"
                + "{'digest':'sha256:amd','platform':{'os':'linux','architecture':'amd64'}}]}");
    assertThat(ImageSizes.entryFor(index, "linux/amd64")).isEqualTo("sha256:amd");
    assertThat(ImageSizes.entryFor(index, "linux/arm/v7")).isEqualTo("sha256:v7");
    assertThat(ImageSizes.entryFor(index, "linux/arm")).isEqualTo("sha256:v6");
    assertThat(ImageSizes.entryFor(index, "linux/s390x")).isNull();
    assertThat(ImageSizes.nodePlatform()).startsWith("linux/").doesNotContain("x86_64");
  }
}
