package dev.imagespec.reconcile;

import static dev.imagespec.reconcile.Fixtures.dg;
import static dev.imagespec.reconcile.Fixtures.id;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** A pass tells its {@link ActionProgress} about every action, in order, and survives it. */
class ReconcilerProgressTest {

  /** The fake store, reporting two steps of progress on each pull. */
  private static final class ReportingPort extends FakeImagePort {
    @Override
    public LocalImage pull(
        ImageReference reference,
        String platform,
        AuthConfig auth,
        Consumer<TransferProgress> progress) {
      progress.accept(new TransferProgress(TransferProgress.Phase.DOWNLOADING, 10, 100));
      progress.accept(new TransferProgress(TransferProgress.Phase.EXTRACTING, 100, 100));
      return pull(reference, platform, auth);
    }
  }

  private static final class Recorder implements ActionProgress {
    final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void planned(List<PlannedAction> actions) {
      events.add("planned " + actions.size());
    }

    @Override
    public void started(PlannedAction action) {
      events.add("started " + action.describe());
    }

    @Override
    public void transferred(PlannedAction action, TransferProgress progress) {
      events.add(
          "moved " + action.kind().jsonName() + " " + progress.phase() + " " + progress.done());
    }

    @Override
    public void finished(ActionOutcome outcome, Duration elapsed) {
      assertThat(elapsed.isNegative()).isFalse();
      events.add("finished " + outcome.describe());
    }
  }

  private static ImageSpec spec() {
    return Fixtures.spec(
        "s",
        ImageEntry.of("a:1").withTags("a:stable"),
        ImageEntry.of("gone:1"),
        ImageEntry.of("b:1").withTags("b:stable"));
  }

  @Test
  void everyActionStartsMovesOnAndEndsInOrder() {
    FakeImagePort port =
        new ReportingPort().remote("a:1", dg(1), id(1)).remote("b:1", dg(2), id(2));
    Recorder recorder = new Recorder();

    ReconcileResult r =
        new Reconciler(
                port, CredentialResolver.none(), ReconcileOptions.defaults().withParallelism(1))
            .withProgress(recorder)
            .reconcile(List.of(spec()));

    assertThat(r.hasFailures()).isTrue(); // gone:1 is in no registry
    List<String> e = recorder.events;
    assertThat(e.get(0)).isEqualTo("planned " + r.plan().actions().size());
    assertThat(e)
        .containsSubsequence(
            "started pull docker.io/library/a:1 (not present)",
            "moved pull DOWNLOADING 10",
            "moved pull EXTRACTING 100",
            "finished pull docker.io/library/a:1 (not present): succeeded",
            "started tag docker.io/library/a:1 as docker.io/library/a:stable (after pull)")
        .anyMatch(
            s -> s.startsWith("finished pull docker.io/library/gone:1") && s.contains("failed"));
    // every action that ran started once and finished once; nothing is told twice
    for (ActionOutcome o : r.outcomes()) {
      assertThat(e).filteredOn(s -> s.equals("finished " + o.describe())).hasSize(1);
    }
  }

  @Test
  void aListenerThatThrowsChangesNothing() {
    FakeImagePort port =
        new ReportingPort().remote("a:1", dg(1), id(1)).remote("b:1", dg(2), id(2));
    ActionProgress broken =
        new ActionProgress() {
          @Override
          public void started(PlannedAction action) {
            throw new IllegalStateException("display broke");
          }

          @Override
          public void transferred(PlannedAction action, TransferProgress progress) {
            throw new IllegalStateException("display broke");
          }
        };

    ReconcileResult r =
        new Reconciler(port, CredentialResolver.none(), ReconcileOptions.defaults())
            .withProgress(broken)
            .reconcile(List.of(spec(ImageEntry.of("a:1"), ImageEntry.of("b:1"))));

    assertThat(r.converged()).as(r.failures().toString()).isTrue();
  }

  private static ImageSpec spec(ImageEntry... entries) {
    return Fixtures.spec("t", entries);
  }
}
