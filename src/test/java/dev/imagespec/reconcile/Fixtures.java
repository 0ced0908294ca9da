package dev.imagespec.reconcile;

import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.PruneSpec;
import dev.imagespec.spec.SpecKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test data helpers. */
final class Fixtures {
  static final Instant NOW = Instant.parse("2025-01-15T12:00:00Z");

  private Fixtures() {}

  /** A full image ID, {@code sha256:} + 64 hex digits. */
  static String id(int n) {
    return "sha256:" + String.format("%064x", 0xa000L + n);
  }

  /** A manifest digest, distinct from every {@link #id}. */
  static String dg(int n) {
    return "sha256:" + String.format("%064x", 0xd000L + n);
  }

  static LocalImage img(String id, List<String> tags, List<String> digests) {
    return new LocalImage(id, tags, digests, Map.of(), NOW.minusSeconds(86_400), 1_000_000);
  }

  static LocalImage img(
      String id,
      List<String> tags,
      List<String> digests,
      Map<String, String> labels,
      Instant created,
      long size) {
    return new LocalImage(id, tags, digests, labels, created, size);
  }

  static ImageSpec spec(String name, ImageEntry... entries) {
    return ImageSpec.of("default", name, ImageSpecSpec.of(entries));
  }

  static ImageSpec spec(String namespace, String name, ImageEntry... entries) {
    return ImageSpec.of(namespace, name, ImageSpecSpec.of(entries));
  }

  static ImageSpec withPrune(ImageSpec spec, Boolean dangling, String olderThan, String... labels) {
    PruneSpec p = new PruneSpec();
    p.setSchedule("0 3 * * *");
    p.setDangling(dangling);
    p.setOlderThan(olderThan);
    p.setLabels(labels.length == 0 ? null : List.of(labels));
    spec.getSpec().setPrune(p);
    return spec;
  }

  static SpecKey key(String name) {
    return new SpecKey("default", name);
  }

  static ContainerRef container(String name, String imageId) {
    return new ContainerRef("c0ffee" + Math.abs(name.hashCode()), name, imageId, "whatever:1");
  }

  /** {@code kind target-or-image} of each action, e.g. {@code pull docker.io/library/a:1}. */
  static List<String> brief(Plan plan) {
    List<String> out = new ArrayList<>();
    for (PlannedAction a : plan.actions()) {
      out.add(
          a.kind().jsonName() + " " + a.image() + (a.target() == null ? "" : " -> " + a.target()));
    }
    return out;
  }

  static ImagePlan imagePlan(Plan plan, String spec, int index) {
    return plan.spec(key(spec)).orElseThrow().images().get(index);
  }

  static PushPlan pushPlan(Plan plan, String spec, int index) {
    return plan.spec(key(spec)).orElseThrow().pushes().get(index);
  }
}
