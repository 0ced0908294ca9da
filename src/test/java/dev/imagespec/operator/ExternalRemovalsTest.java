package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.reconcile.PullHolds;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.ImageNodeStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.NodeSpecStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Counting out-of-band removals and the GC backoff, without a cluster or an engine. */
class ExternalRemovalsTest {
  static final Instant T0 = Instant.parse("2026-01-01T12:00:00Z");
  static final String IMAGE = "reg.example/app:1";
  static final String CANONICAL = "reg.example/app:1";
  static final String ID = "sha256:" + "a".repeat(64);

  /** A node status whose spec {@code ns/s} shows {@link #IMAGE} in {@code state}. */
  static ImageNodeStatus node(ImageState state, Integer count, List<Instant> recent) {
    ImageStatus img =
        new ImageStatus(
            IMAGE, state, state == ImageState.Present ? ID : null, null, "pulled", null);
    img.setRemovedExternally(count);
    img.setLastRemovedExternally(
        recent.isEmpty() ? null : Conditions.time(recent.get(recent.size() - 1)));
    img.setRecentRemovals(
        recent.isEmpty() ? null : recent.stream().map(ExternalRemovals::time).toList());
    NodeSpecStatus s = new NodeSpecStatus();
    s.setNamespace("ns");
    s.setName("s");
    s.setImages(new ArrayList<>(List.of(img)));
    ImageNodeStatus st = new ImageNodeStatus();
    st.setSpecs(new ArrayList<>(List.of(s)));
    return st;
  }

  /** The pass's new status: the image pulled again (Present) or held (Failed). */
  static ImageNodeStatus after(ImageState state) {
    return node(state, null, List.of());
  }

  static ImageStatus image(ImageNodeStatus st) {
    return st.getSpecs().get(0).getImages().get(0);
  }

  @Test
  void aPresentImageFoundMissingIsCountedOnceAndPulledAgain() {
    ImageNodeStatus previous = node(ImageState.Present, null, List.of());
    ExternalRemovals r = new ExternalRemovals("n1", previous, Set.of(), T0);

    assertThat(r.hold(CANONICAL, java.util.Set.of(), true)).isNull();
    assertThat(r.detected()).containsExactly(CANONICAL);
    ImageNodeStatus next = after(ImageState.Present);
    r.annotate(next, previous);
    assertThat(image(next).getRemovedExternally()).isEqualTo(1);
    assertThat(image(next).getLastRemovedExternally()).isEqualTo(Conditions.time(T0));
    assertThat(image(next).getRecentRemovals()).containsExactly(ExternalRemovals.time(T0));

    // the next pass: still Present, nothing missing: the count is carried, not raised
    ExternalRemovals quiet = new ExternalRemovals("n1", next, Set.of(), T0.plusSeconds(60));
    ImageNodeStatus later = after(ImageState.Present);
    quiet.annotate(later, next);
    assertThat(quiet.detected()).isEmpty();
    assertThat(image(later).getRemovedExternally()).isEqualTo(1);
    assertThat(image(later).getLastRemovedExternally()).isEqualTo(Conditions.time(T0));
  }

  @Test
  void anImageTheAgentRemovedItselfOrThatWasNotPresentIsNoExternalRemoval() {
    ExternalRemovals own =
        new ExternalRemovals("n1", node(ImageState.Present, null, List.of()), Set.of(ID), T0);
    assertThat(own.hold(CANONICAL, java.util.Set.of(), true)).isNull();
    assertThat(own.detected()).isEmpty();

    ExternalRemovals failedBefore =
        new ExternalRemovals("n1", node(ImageState.Failed, null, List.of()), Set.of(), T0);
    assertThat(failedBefore.hold(CANONICAL, java.util.Set.of(), true)).isNull();
    assertThat(failedBefore.detected()).isEmpty();
  }

  @Test
  void theThirdRemovalWithinAnHourHoldsThePullBackFiveMinutesDegradedGarbageCollected() {
    List<Instant> two = List.of(T0.minusSeconds(1200), T0.minusSeconds(600));
    ImageNodeStatus previous = node(ImageState.Present, 2, two);
    ExternalRemovals r = new ExternalRemovals("n1", previous, Set.of(), T0);

    PullHolds.Hold hold = r.hold(CANONICAL, java.util.Set.of(), true);
    assertThat(hold).isNotNull();
    assertThat(hold.reason()).isEqualTo(Reasons.GARBAGE_COLLECTED);
    assertThat(hold.message())
        .contains(
            CANONICAL, "node n1", "3 times within an hour", "pin", "imageGCHighThresholdPercent")
        .contains("not pulled again before " + Conditions.time(T0.plus(Duration.ofMinutes(5))));
    assertThat(r.heldUntil(CANONICAL)).contains(T0.plus(Duration.ofMinutes(5)));
    assertThat(r.nextWake()).contains(Duration.ofMinutes(5).plusSeconds(1));

    ImageNodeStatus next = after(ImageState.Failed);
    r.annotate(next, previous);
    assertThat(image(next).getRemovedExternally()).isEqualTo(3);
    assertThat(image(next).getRecentRemovals()).hasSize(3);

    // still held a minute later (not counted again: it was not Present), free after 5 minutes
    ExternalRemovals minuteLater = new ExternalRemovals("n1", next, Set.of(), T0.plusSeconds(60));
    assertThat(minuteLater.hold(CANONICAL, java.util.Set.of(), true)).isNotNull();
    assertThat(minuteLater.detected()).isEmpty();
    ExternalRemovals fiveLater =
        new ExternalRemovals("n1", next, Set.of(), T0.plus(Duration.ofMinutes(5)));
    assertThat(fiveLater.hold(CANONICAL, java.util.Set.of(), true)).isNull();
  }

  @Test
  void removalsOlderThanAnHourDoNotCountForTheBackoffButStayInTheTotal() {
    List<Instant> old = List.of(T0.minusSeconds(4000), T0.minusSeconds(3700));
    ImageNodeStatus previous = node(ImageState.Present, 7, old);
    ExternalRemovals r = new ExternalRemovals("n1", previous, Set.of(), T0);
    assertThat(r.hold(CANONICAL, java.util.Set.of(), true)).isNull();
    ImageNodeStatus next = after(ImageState.Present);
    r.annotate(next, previous);
    assertThat(image(next).getRemovedExternally()).isEqualTo(8);
    assertThat(image(next).getRecentRemovals()).containsExactly(ExternalRemovals.time(T0));
  }

  @Test
  void twoRemovalsWithinOneSecondStayTwo() {
    List<Instant> two = List.of(T0.minusMillis(900), T0.minusMillis(400));
    ExternalRemovals r = new ExternalRemovals("n1", node(ImageState.Present, 2, two), Set.of(), T0);
    assertThat(r.hold(CANONICAL, java.util.Set.of(), true)).isNotNull();
  }

  @Test
  void theBackoffDoublesFromFiveMinutesUpToAnHour() {
    assertThat(ExternalRemovals.backoff(2)).isEqualTo(Duration.ZERO);
    assertThat(ExternalRemovals.backoff(3)).isEqualTo(Duration.ofMinutes(5));
    assertThat(ExternalRemovals.backoff(4)).isEqualTo(Duration.ofMinutes(10));
    assertThat(ExternalRemovals.backoff(5)).isEqualTo(Duration.ofMinutes(20));
    assertThat(ExternalRemovals.backoff(6)).isEqualTo(Duration.ofMinutes(40));
    assertThat(ExternalRemovals.backoff(7)).isEqualTo(Duration.ofHours(1));
    assertThat(ExternalRemovals.backoff(40)).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void theRecentListIsBounded() {
    List<Instant> many = new ArrayList<>();
    for (int i = 10; i >= 1; i--) {
      many.add(T0.minusSeconds(i * 60L));
    }
    ImageNodeStatus previous = node(ImageState.Present, 10, many);
    ExternalRemovals r = new ExternalRemovals("n1", previous, Set.of(), T0);
    r.hold(CANONICAL, java.util.Set.of(), true);
    ImageNodeStatus next = after(ImageState.Failed);
    r.annotate(next, previous);
    assertThat(image(next).getRecentRemovals())
        .hasSize(ImageStatus.MAX_RECENT_REMOVALS)
        .endsWith(ExternalRemovals.time(T0));
  }

  @Test
  void containerdReportsPinnedFrom1_6_25And1_7_10() {
    assertThat(NodePins.reportsPinned("1.6.20~ds1")).isFalse();
    assertThat(NodePins.reportsPinned("1.6.24")).isFalse();
    assertThat(NodePins.reportsPinned("1.6.25")).isTrue();
    assertThat(NodePins.reportsPinned("v1.7.9")).isFalse();
    assertThat(NodePins.reportsPinned("1.7.10")).isTrue();
    assertThat(NodePins.reportsPinned("2.0.0")).isTrue();
    assertThat(NodePins.reportsPinned("unknown")).isFalse();
  }
}
