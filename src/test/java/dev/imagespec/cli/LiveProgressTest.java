package dev.imagespec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.reconcile.ActionKind;
import dev.imagespec.reconcile.ActionOutcome;
import dev.imagespec.reconcile.PlannedAction;
import dev.imagespec.reconcile.TransferProgress;
import dev.imagespec.spec.SpecKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The frames of apply's live display, without a terminal. */
class LiveProgressTest {
  private static final SpecKey SPEC = new SpecKey("default", "s");

  private static PlannedAction pull(String image) {
    return new PlannedAction(SPEC, ActionKind.PULL, image, null, "missing");
  }

  @Test
  void aLinePerActionUnderTheOverallLine() {
    StringWriter out = new StringWriter();
    PlannedAction a = pull("registry.example/a:1");
    PlannedAction b = pull("registry.example/b:1");
    PlannedAction c = pull("registry.example/c:1");
    try (LiveProgress p = new LiveProgress(new PrintWriter(out))) {
      p.planned(List.of(a, b, c));
      p.started(a);
      p.transferred(
          a, new TransferProgress(TransferProgress.Phase.DOWNLOADING, 5_000_000, 20_000_000));
      p.started(b);
      p.finished(
          new ActionOutcome(
              b, ActionOutcome.Result.FAILED, "manifest unknown", 1, null, null, null, 0),
          Duration.ofMillis(1200));

      List<String> frame = p.frame();

      assertThat(frame.get(0)).startsWith("[+] 1/3 images, 1 running, 1 failed  5MB/20MB");
      assertThat(frame.get(1))
          .contains("pull registry.example/a:1")
          .contains("Pulling")
          .contains("5MB/20MB");
      assertThat(frame.get(2))
          .contains("pull registry.example/b:1")
          .contains("Failed")
          .contains("1.2s");
      assertThat(frame.get(3)).contains("pull registry.example/c:1").contains("Waiting");
      assertThat(frame).allMatch(l -> l.length() < LiveProgress.columns());
    }
    assertThat(out.toString())
        .as("erased when closed, or never drawn")
        .satisfiesAnyOf(s -> assertThat(s).isEmpty(), s -> assertThat(s).endsWith("\033[J"));
  }

  @Test
  void beforeThePlanItSaysItPlans() {
    try (LiveProgress p = new LiveProgress(new PrintWriter(new StringWriter()))) {
      assertThat(p.frame()).singleElement().asString().startsWith("[+] planning");
    }
  }

  @Test
  void manyActionsKeepTheRunningOnesInView() {
    List<PlannedAction> actions = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      actions.add(pull("registry.example/img" + i + ":1"));
    }
    try (LiveProgress p = new LiveProgress(new PrintWriter(new StringWriter()))) {
      p.planned(actions);
      p.started(actions.get(29));
      List<String> frame = p.frame();
      assertThat(frame).hasSize(LiveProgress.MAX_ROWS + 1);
      assertThat(frame.get(1)).contains("img29").contains("Pulling");
      assertThat(frame.get(frame.size() - 1)).contains("11 more");
    }
  }
}
