package dev.imagespec.reconcile;

import static dev.imagespec.reconcile.Fixtures.NOW;
import static dev.imagespec.reconcile.Fixtures.dg;
import static dev.imagespec.reconcile.Fixtures.id;
import static dev.imagespec.reconcile.Fixtures.key;
import static dev.imagespec.reconcile.Fixtures.spec;
import static dev.imagespec.reconcile.Fixtures.withPrune;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagespec.engine.ApiException;
import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.EngineUnavailableException;
import dev.imagespec.engine.ImageNotFoundException;
import dev.imagespec.engine.StreamException;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.PullPolicy;
import dev.imagespec.spec.PushState;
import dev.imagespec.spec.SpecKey;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(20)
class ReconcilerTest {
  private final List<Duration> slept = new CopyOnWriteArrayList<>();

  private ReconcileOptions options(Instant now) {
    return ReconcileOptions.defaults()
        .withClock(Clock.fixed(now, ZoneOffset.UTC))
        .withSleeper(slept::add);
  }

  private ReconcileOptions options() {
    return options(NOW);
  }

  /** Access proofs kept across the passes of a test, as a front end keeps them. */
  private final AccessProofs proofs = new AccessProofs();

  private Reconciler reconciler(FakeImagePort port, ReconcileOptions options) {
    return new Reconciler(port, CredentialResolver.none(), options, proofs);
  }

  private static ImageStatus image(ReconcileResult r, String spec, int i) {
    return r.statuses().get(key(spec)).getImages().get(i);
  }

  @Nested
  class Apply {
    @Test
    void pullTagPushRemoveThenSecondPassMakesNoMutatingCall() {
      FakeImagePort port =
          new FakeImagePort().remote("a:1", dg(1), id(1)).local(id(9), List.of("old:1"), List.of());
      ImageSpec s =
          spec(
              "s",
              ImageEntry.of("a:1").withTags("a:stable").withPush("mirror.example/a:1", null),
              ImageEntry.absent("old:1"));

      ReconcileResult first = reconciler(port, options()).reconcile(List.of(s));

      assertThat(port.mutatingCalls())
          .containsExactly(
              "pull docker.io/library/a:1",
              "tag " + id(1) + " docker.io/library/a:stable",
              "tag " + id(1) + " mirror.example/a:1",
              "push mirror.example/a:1",
              "remove docker.io/library/old:1");
      assertThat(first.outcomes()).allMatch(ActionOutcome::succeeded).hasSize(5);
      assertThat(first.converged()).isTrue();
      assertThat(first.hasFailures()).isFalse();
      ImageSpecStatus st = first.statuses().get(key("s"));
      assertThat(st.getImages())
          .extracting(
              ImageStatus::getImage,
              ImageStatus::getState,
              ImageStatus::getId,
              ImageStatus::getDigest)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("a:1", ImageState.Present, id(1), dg(1)),
              org.assertj.core.groups.Tuple.tuple("old:1", ImageState.Absent, null, null));
      assertThat(st.getPushes()).hasSize(1);
      assertThat(st.getPushes().get(0).getState()).isEqualTo(PushState.Pushed);
      assertThat(st.getPushes().get(0).getDigest()).isEqualTo(dg(1));
      assertThat(st.getPushes().get(0).getId()).isEqualTo(id(1));
      assertThat(port.remoteOf("mirror.example/a:1")).isPresent();
      assertThat(first.calls().listImages()).isEqualTo(1);
      assertThat(first.calls().listContainers()).isEqualTo(1);
      assertThat(first.calls().mutating()).isEqualTo(5);

      // the status is written back (operator) or kept (CLI --watch): next pass is a no-op
      s.setStatus(st);
      int before = port.calls().size();
      ReconcileResult second = reconciler(port, options(NOW.plusSeconds(30))).reconcile(List.of(s));
      assertThat(port.calls().subList(before, port.calls().size())).containsExactly("listImages");
      assertThat(second.calls().mutating()).isZero();
      assertThat(second.calls().total()).isEqualTo(1);
      assertThat(second.plan().isEmpty()).isTrue();
      assertThat(second.converged()).isTrue();
    }

    @Test
    void steadyStateWithoutPreviousStatusOnlyReadsTheRegistryForPushes() {
      FakeImagePort port =
          new FakeImagePort()
              .local(
                  id(1),
                  List.of("a:1", "a:stable"),
                  List.of("a@" + dg(1), "mirror.example/a@" + dg(1)))
              .remote("mirror.example/a:1", dg(1), id(1));
      ImageSpec s =
          spec("s", ImageEntry.of("a:1").withTags("a:stable").withPush("mirror.example/a:1", null));
      ReconcileResult r = reconciler(port, options()).reconcile(List.of(s));
      // the push target, and (once) whether this spec may read the image it did not pull
      assertThat(port.calls())
          .containsExactly(
              "listImages",
              "registryDigest mirror.example/a:1",
              "registryDigest docker.io/library/a@" + dg(1));
      assertThat(r.calls().mutating()).isZero();
      assertThat(r.converged()).isTrue();
    }

    @Test
    void alwaysImageIsRefreshedWhenTheRegistryMoved() {
      FakeImagePort port =
          new FakeImagePort()
              .local(id(1), List.of("a:1"), List.of("a@" + dg(1)))
              .remote("a:1", dg(2), id(2));
      ImageSpec s = spec("s", ImageEntry.of("a:1").withPullPolicy(PullPolicy.Always));
      ReconcileResult r = reconciler(port, options()).reconcile(List.of(s));
      assertThat(port.mutatingCalls()).containsExactly("pull docker.io/library/a:1");
      ImageStatus st = image(r, "s", 0);
      assertThat(st.getState()).isEqualTo(ImageState.Present);
      assertThat(st.getId()).isEqualTo(id(2));
      assertThat(st.getDigest()).isEqualTo(dg(2));
      assertThat(st.getLastChecked()).isEqualTo("2025-01-15T12:00:00Z");
      assertThat(st.getMessage()).startsWith("pulled (registry digest moved to " + dg(2));

      // within refreshInterval: no registry call at all
      s.setStatus(r.statuses().get(key("s")));
      int before = port.calls().size();
      reconciler(port, options(NOW.plusSeconds(60))).reconcile(List.of(s));
      assertThat(port.calls().subList(before, port.calls().size())).containsExactly("listImages");
      // after it: one registry call, no pull (same digest)
      before = port.calls().size();
      ReconcileResult later = reconciler(port, options(NOW.plusSeconds(301))).reconcile(List.of(s));
      assertThat(port.calls().subList(before, port.calls().size()))
          .containsExactly("listImages", "registryDigest docker.io/library/a:1");
      assertThat(image(later, "s", 0).getLastChecked()).isEqualTo("2025-01-15T12:05:01Z");
    }

    @Test
    void eachPlannerStepRunsOncePerPass() {
      // every phase of a pass is active: a registry check (Always), a push, a remove and a prune
      FakeImagePort port =
          new FakeImagePort()
              .local(id(1), List.of("a:1"), List.of("a@" + dg(1)))
              .remote("a:1", dg(2), id(2))
              .local(id(9), List.of("old:1"), List.of())
              .local(id(7), List.of(), List.of());
      ImageSpec s =
          withPrune(
              spec(
                  "s",
                  ImageEntry.of("a:1")
                      .withPullPolicy(PullPolicy.Always)
                      .withPush("mirror.example/a:1", null),
                  ImageEntry.absent("old:1")),
              true,
              null);
      List<Planner.Pass> passes = new ArrayList<>();
      Reconciler reconciler =
          new Reconciler(
              port,
              CredentialResolver.none(),
              options().withPruneNow(Set.of(key("s"))),
              in -> {
                Planner.Pass p = Planner.pass(in);
                passes.add(p);
                return p;
              });

      ReconcileResult r = reconciler.reconcile(List.of(s));

      // the Always image and the push target: one lookup each
      assertThat(r.calls().registryDigest()).isEqualTo(2);
      assertThat(r.calls().listContainers()).isEqualTo(1);
      assertThat(r.plan().actions())
          .extracting(PlannedAction::kind)
          .contains(ActionKind.PULL, ActionKind.PUSH, ActionKind.REMOVE, ActionKind.PRUNE);
      // before the split the planner ran whole three times per pass (checks, containers, plan)
      assertThat(passes).hasSize(1);
      assertThat(passes.get(0).stepRuns())
          .containsOnlyKeys(
              "entries",
              "conflicts",
              "pullDecisions",
              "accessVerdicts",
              "registryChecks",
              "needsContainers",
              "plan")
          .allSatisfy((step, runs) -> assertThat(runs).as(step).isEqualTo(1));
      assertThatThrownBy(() -> passes.get(0).plan(Map.of(), List.of()))
          .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void tagsFollowTheNewlyPulledImage() {
      FakeImagePort port =
          new FakeImagePort()
              .local(id(1), List.of("a:1", "a:stable"), List.of("a@" + dg(1)))
              .remote("a:1", dg(2), id(2));
      ImageSpec s =
          spec("s", ImageEntry.of("a:1").withPullPolicy(PullPolicy.Always).withTags("a:stable"));
      ReconcileResult r = reconciler(port, options()).reconcile(List.of(s));
      assertThat(port.mutatingCalls())
          .containsExactly(
              "pull docker.io/library/a:1", "tag " + id(2) + " docker.io/library/a:stable");
      assertThat(port.idOf("a:stable")).contains(id(2));
      assertThat(r.converged()).isTrue();
    }

    @Test
    void unreachableRegistryKeepsTheImageAndDegrades() {
      FakeImagePort port =
          new FakeImagePort()
              .local(id(1), List.of("a:1"), List.of("a@" + dg(1)))
              .fail(
                  "registryDigest docker.io/library/a:1",
                  new StreamException("dial tcp 10.1.1.1:443: connect: connection refused"));
      ReconcileResult r =
          reconciler(port, options())
              .reconcile(
                  List.of(spec("s", ImageEntry.of("a:1").withPullPolicy(PullPolicy.Always))));
      assertThat(port.mutatingCalls()).isEmpty();
      assertThat(image(r, "s", 0).getState()).isEqualTo(ImageState.Present);
      assertThat(image(r, "s", 0).getMessage()).contains("connection refused");
      ImageSpecStatus st = r.statuses().get(key("s"));
      assertThat(st.isReady()).isTrue();
      assertThat(st.condition("Degraded").orElseThrow().getReason())
          .isEqualTo("RegistryCheckFailed");
    }

    @Test
    void dryRunPlansWithoutMutatingCalls() {
      FakeImagePort port =
          new FakeImagePort()
              .local(id(9), List.of("old:1"), List.of())
              .local(id(8), List.of(), List.of());
      ImageSpec s =
          withPrune(
              spec("s", ImageEntry.of("a:1").withTags("a:x"), ImageEntry.absent("old:1")),
              true,
              null);
      ReconcileResult r =
          reconciler(port, options().withDryRun(true).withPruneAll(true)).reconcile(List.of(s));
      assertThat(port.mutatingCalls()).isEmpty();
      assertThat(r.dryRun()).isTrue();
      assertThat(r.outcomes()).isEmpty();
      assertThat(Fixtures.brief(r.plan()))
          .containsExactly(
              "pull docker.io/library/a:1",
              "tag docker.io/library/a:1 -> docker.io/library/a:x",
              "remove docker.io/library/old:1",
              "prune " + id(8));
      ImageSpecStatus st = r.statuses().get(key("s"));
      assertThat(st.getImages()).extracting(ImageStatus::getState).containsOnly(ImageState.Pending);
      assertThat(st.condition("Progressing").orElseThrow().getStatus()).isEqualTo("True");
      assertThat(st.condition("Ready").orElseThrow().getReason()).isEqualTo("Pending");
      assertThat(st.getPrune().getMessage()).isEqualTo("would delete 1 image (1MB)");
      assertThat(st.getPrune().getLastRun()).isNull();
      // Reconciler.plan is a dry run whatever the options say
      int before = port.calls().size();
      Plan plan = reconciler(port, options()).plan(List.of(s), Map.of());
      assertThat(plan.actions()).hasSize(3);
      assertThat(port.calls().subList(before, port.calls().size()))
          .containsExactly("listImages", "listContainers");
    }

    @Test
    void planOf200SpecsWith5ImagesTakesAtMost3EngineRequests() {
      FakeImagePort port = new FakeImagePort();
      List<ImageSpec> specs = new ArrayList<>();
      for (int s = 0; s < 200; s++) {
        ImageEntry[] entries = new ImageEntry[5];
        for (int i = 0; i < 5; i++) {
          entries[i] = ImageEntry.of("reg.example/t" + s + "/app" + i + ":1");
          if (i < 3) {
            port.local(id(s * 10 + i), List.of("reg.example/t" + s + "/app" + i + ":1"), List.of());
          }
        }
        specs.add(spec("s" + s, entries));
      }
      ReconcileResult r = reconciler(port, options().withDryRun(true)).reconcile(specs);
      assertThat(r.calls().engineRequests()).isLessThanOrEqualTo(3);
      assertThat(r.calls().total()).isLessThanOrEqualTo(3);
      assertThat(port.calls()).hasSizeLessThanOrEqualTo(3);
      assertThat(r.plan().actions()).hasSize(400);
      assertThat(r.statuses()).hasSize(200);
    }

    @Test
    void failingImageListIsThrownAfterRetries() {
      ImagePort broken =
          new FakeImagePort() {
            @Override
            public synchronized List<LocalImage> listImages() {
              super.listImages();
              throw new EngineUnavailableException("connect: no such file or directory");
            }
          };
      assertThatThrownBy(
              () ->
                  new Reconciler(broken, null, options())
                      .reconcile(List.of(spec("s", ImageEntry.of("a:1")))))
          .isInstanceOf(EngineUnavailableException.class);
      assertThat(slept).hasSize(2);
    }
  }

  @Nested
  class Execution {
    @Test
    void parallelismBoundIsRespected() throws Exception {
      for (int bound : List.of(1, 3)) {
        FakeImagePort port = new FakeImagePort();
        ImageEntry[] entries = new ImageEntry[10];
        for (int i = 0; i < 10; i++) {
          port.remote("img" + i + ":1", dg(i), id(i));
          entries[i] = ImageEntry.of("img" + i + ":1");
        }
        // the first `bound` pulls wait until they all run at once, proving the pool reaches it
        CountDownLatch together = new CountDownLatch(bound);
        port.onMutatingCall(
            call -> {
              together.countDown();
              try {
                together.await(5, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
        ReconcileResult r =
            reconciler(port, options().withParallelism(bound))
                .reconcile(List.of(spec("s", entries)));
        assertThat(r.outcomes()).hasSize(10).allMatch(ActionOutcome::succeeded);
        assertThat(port.maxConcurrentCalls()).as("bound %d", bound).isEqualTo(bound);
        // every worker of a fixed pool runs the task it was created for: as many threads as
        // workers made calls
        assertThat(port.threads()).as("bound %d", bound).hasSize(bound);
      }
    }

    @Test
    void defaultParallelismIsFour() {
      assertThat(ReconcileOptions.defaults().parallelism()).isEqualTo(4);
      FakeImagePort port = new FakeImagePort();
      ImageEntry[] entries = new ImageEntry[12];
      for (int i = 0; i < 12; i++) {
        port.remote("img" + i + ":1", dg(i), id(i));
        entries[i] = ImageEntry.of("img" + i + ":1");
      }
      reconciler(port, options()).reconcile(List.of(spec("s", entries)));
      assertThat(port.maxConcurrentCalls()).isBetween(1, 4);
    }

    @Test
    void oneFailedImageNeverStopsTheOthers() {
      FakeImagePort port =
          new FakeImagePort()
              .remote("a:1", dg(1), id(1))
              .remote("c:1", dg(3), id(3))
              .local(id(9), List.of("old:1"), List.of()); // b:1 is not in the registry
      ImageSpec s =
          spec(
              "s",
              ImageEntry.of("a:1"),
              ImageEntry.of("b:1").withTags("b:x").withPush("m.example/b:1", null),
              ImageEntry.of("c:1"),
              ImageEntry.absent("old:1"));
      ReconcileResult r = reconciler(port, options()).reconcile(List.of(s));
      assertThat(port.mutatingCalls())
          .containsExactlyInAnyOrder(
              "pull docker.io/library/a:1",
              "pull docker.io/library/b:1",
              "pull docker.io/library/c:1",
              "remove docker.io/library/old:1");
      assertThat(r.outcomes())
          .extracting(o -> o.action().kind().jsonName() + " " + o.result())
          .containsExactly(
              "pull SUCCEEDED",
              "pull FAILED",
              "tag SKIPPED",
              "tag SKIPPED",
              "push SKIPPED",
              "pull SUCCEEDED",
              "remove SUCCEEDED");
      assertThat(image(r, "s", 0).getState()).isEqualTo(ImageState.Present);
      assertThat(image(r, "s", 1).getState()).isEqualTo(ImageState.Failed);
      assertThat(image(r, "s", 1).getMessage())
          .startsWith("pull failed: manifest for b:1 not found");
      assertThat(image(r, "s", 2).getState()).isEqualTo(ImageState.Present);
      assertThat(image(r, "s", 3).getState()).isEqualTo(ImageState.Absent);
      ImageSpecStatus st = r.statuses().get(key("s"));
      assertThat(st.getPushes().get(0).getState()).isEqualTo(PushState.Failed);
      assertThat(st.getPushes().get(0).getMessage())
          .contains("not attempted: pull of docker.io/library/b:1 failed");
      assertThat(st.condition("Degraded").orElseThrow().getReason()).isEqualTo("PullFailed");
      assertThat(st.condition("Degraded").orElseThrow().getMessage())
          .isEqualTo("PullFailed: b:1; PushFailed: m.example/b:1");
      assertThat(st.isReady()).isFalse();
      assertThat(r.hasFailures()).isTrue();
      assertThat(r.failures()).hasSize(1);
      assertThat(r.problems())
          .containsExactly("default/s: PullFailed: b:1; PushFailed: m.example/b:1");
    }

    @Test
    void removeOfAnImageUsedByAContainerFailsNamingIt() {
      FakeImagePort port =
          new FakeImagePort().local(id(9), List.of("old:1"), List.of()).container("web-1", id(9));
      ReconcileResult r =
          reconciler(port, options()).reconcile(List.of(spec("s", ImageEntry.absent("old:1"))));
      assertThat(port.mutatingCalls()).isEmpty();
      assertThat(port.calls()).containsExactly("listImages", "listContainers");
      assertThat(image(r, "s", 0).getState()).isEqualTo(ImageState.Failed);
      assertThat(image(r, "s", 0).getMessage()).contains("is used by container web-1");
      assertThat(r.statuses().get(key("s")).condition("Degraded").orElseThrow().getReason())
          .isEqualTo("RemoveFailed");
    }

    @Test
    void removeOfAnAlreadyGoneImageSucceeds() {
      FakeImagePort port =
          new FakeImagePort()
              .local(id(9), List.of("old:1"), List.of())
              .fail(
                  "remove docker.io/library/old:1",
                  new ImageNotFoundException("No such image: old:1"));
      ReconcileResult r =
          reconciler(port, options()).reconcile(List.of(spec("s", ImageEntry.absent("old:1"))));
      assertThat(image(r, "s", 0).getState()).isEqualTo(ImageState.Absent);
      assertThat(image(r, "s", 0).getMessage()).isEqualTo("already absent");
    }

    @Test
    void neverMissingImageIsFailedWithoutAnyCall() {
      FakeImagePort port = new FakeImagePort().remote("a:1", dg(1), id(1));
      ReconcileResult r =
          reconciler(port, options())
              .reconcile(List.of(spec("s", ImageEntry.of("a:1").withPullPolicy(PullPolicy.Never))));
      assertThat(port.calls()).containsExactly("listImages");
      assertThat(image(r, "s", 0).getState()).isEqualTo(ImageState.Failed);
      assertThat(image(r, "s", 0).getMessage()).isEqualTo("not present and pullPolicy is Never");
    }

    @Test
    void conflictIsReportedOnBothSpecsAndNothingHappens() {
      FakeImagePort port = new FakeImagePort().remote("a:1", dg(1), id(1));
      ReconcileResult r =
          reconciler(port, options())
              .reconcile(
                  List.of(spec("x", ImageEntry.of("a:1")), spec("y", ImageEntry.absent("a:1"))));
      assertThat(port.calls()).containsExactly("listImages");
      for (String s : List.of("x", "y")) {
        assertThat(image(r, s, 0).getState()).isEqualTo(ImageState.Conflict);
        assertThat(r.statuses().get(key(s)).condition("Degraded").orElseThrow().getReason())
            .isEqualTo("Conflict");
      }
    }
  }

  @Nested
  class Retries {
    static Stream<Arguments> errors() {
      return Stream.of(
          Arguments.of(
              new EngineUnavailableException("connection refused: /var/run/docker.sock"), true),
          Arguments.of(new ApiException(500, "Internal Server Error"), true),
          Arguments.of(new ApiException(503, "service unavailable"), true),
          Arguments.of(new ApiException(429, "toomanyrequests: rate limit"), true),
          Arguments.of(
              new StreamException("received unexpected HTTP status: 503 Service Unavailable"),
              true),
          Arguments.of(
              new StreamException("Get \"https://r.example/v2/\": net/http: TLS handshake timeout"),
              true),
          Arguments.of(
              new StreamException(
                  "read tcp 1.2.3.4:5->6.7.8.9:443: read: connection reset by peer"),
              true),
          Arguments.of(
              new StreamException("toomanyrequests: You have reached your pull rate limit"), true),
          Arguments.of(
              new ImageNotFoundException("pull access denied for x, repository does not exist"),
              false),
          Arguments.of(new ApiException(400, "invalid reference format"), false),
          Arguments.of(new ApiException(401, "unauthorized"), false),
          Arguments.of(new ApiException(403, "forbidden"), false),
          Arguments.of(
              new ApiException(
                  500, "Get https://r.example/v2/: unauthorized: authentication required"),
              false),
          Arguments.of(new StreamException("unauthorized: authentication required"), false),
          Arguments.of(
              new StreamException("denied: requested access to the resource is denied"), false),
          Arguments.of(new StreamException("manifest for a:1 not found: manifest unknown"), false),
          Arguments.of(
              new StreamException("dial tcp 10.0.0.1:5000: connect: connection refused"), false),
          Arguments.of(
              new ApiException(
                  500,
                  "Get \"http://127.0.0.1:1/v2/\": dial tcp 127.0.0.1:1: connect: connection refused"),
              false),
          Arguments.of(
              new ApiException(
                  500, "Get https://nope.example/v2/: dial tcp: lookup nope.example: no such host"),
              false),
          Arguments.of(new IllegalStateException("bug"), false));
    }

    @ParameterizedTest(name = "{0} -> transient={1}")
    @MethodSource("errors")
    void transientFailuresAreRetriedOthersNot(RuntimeException error, boolean transientError) {
      assertThat(TransientErrors.isTransient(error)).isEqualTo(transientError);
      FakeImagePort port =
          new FakeImagePort().remote("a:1", dg(1), id(1)).fail("pull docker.io/library/a:1", error);
      ReconcileResult r =
          reconciler(port, options()).reconcile(List.of(spec("s", ImageEntry.of("a:1"))));
      if (transientError) {
        assertThat(port.mutatingCalls())
            .containsExactly("pull docker.io/library/a:1", "pull docker.io/library/a:1");
        assertThat(r.outcomes().get(0).succeeded()).isTrue();
        assertThat(r.outcomes().get(0).attempts()).isEqualTo(2);
        assertThat(slept).containsExactly(Duration.ofSeconds(1));
      } else {
        assertThat(port.mutatingCalls()).containsExactly("pull docker.io/library/a:1");
        assertThat(r.outcomes().get(0).result()).isEqualTo(ActionOutcome.Result.FAILED);
        assertThat(r.outcomes().get(0).message()).isEqualTo(error.getMessage());
        assertThat(slept).isEmpty();
      }
    }

    @Test
    void retriesAreBoundedWithExponentialBackoff() {
      FakeImagePort port =
          new FakeImagePort()
              .remote("a:1", dg(1), id(1))
              .fail(
                  "pull docker.io/library/a:1",
                  new ApiException(502, "bad gateway"),
                  new ApiException(502, "bad gateway"),
                  new ApiException(502, "bad gateway"),
                  new ApiException(502, "bad gateway"),
                  new ApiException(502, "bad gateway"));
      RetryPolicy policy = new RetryPolicy(4, Duration.ofMillis(10), Duration.ofMillis(30), 2);
      ReconcileResult r =
          reconciler(port, options().withRetry(policy))
              .reconcile(List.of(spec("s", ImageEntry.of("a:1"))));
      assertThat(port.mutatingCalls()).hasSize(4);
      assertThat(slept)
          .containsExactly(Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(30));
      ActionOutcome o = r.outcomes().get(0);
      assertThat(o.result()).isEqualTo(ActionOutcome.Result.FAILED);
      assertThat(o.attempts()).isEqualTo(4);
      assertThat(o.message()).isEqualTo("bad gateway (after 4 attempts)");
      assertThat(image(r, "s", 0).getMessage())
          .isEqualTo("pull failed: bad gateway (after 4 attempts)");
    }

    @Test
    void defaultPolicyIsThreeAttemptsFromOneSecond() {
      assertThat(RetryPolicy.DEFAULT.maxAttempts()).isEqualTo(3);
      assertThat(RetryPolicy.DEFAULT.delayAfter(1)).isEqualTo(Duration.ofSeconds(1));
      assertThat(RetryPolicy.DEFAULT.delayAfter(2)).isEqualTo(Duration.ofSeconds(2));
      assertThat(RetryPolicy.DEFAULT.delayAfter(10)).isEqualTo(Duration.ofSeconds(30));
      assertThat(RetryPolicy.none().maxAttempts()).isEqualTo(1);
      assertThat(RetryPolicy.of(5, Duration.ofMillis(1)).delayAfter(3))
          .isEqualTo(Duration.ofMillis(4));
      assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, 1))
          .hasMessageContaining("maxAttempts");
    }

    @Test
    void pushesAndRegistryChecksAreRetriedToo() {
      FakeImagePort port =
          new FakeImagePort()
              .local(id(1), List.of("a:1"), List.of("a@" + dg(1)))
              .fail("registryDigest m.example/a:1", new EngineUnavailableException("reset"))
              .fail(
                  "push m.example/a:1",
                  new StreamException(
                      "received unexpected HTTP status: 500 Internal Server Error"));
      ReconcileResult r =
          reconciler(port, options())
              .reconcile(List.of(spec("s", ImageEntry.of("a:1").withPush("m.example/a:1", null))));
      assertThat(port.calls())
          .containsExactly(
              "listImages",
              "registryDigest m.example/a:1",
              "registryDigest m.example/a:1",
              "registryDigest docker.io/library/a@" + dg(1),
              "tag " + id(1) + " m.example/a:1",
              "push m.example/a:1",
              "push m.example/a:1");
      assertThat(r.statuses().get(key("s")).getPushes().get(0).getState())
          .isEqualTo(PushState.Pushed);
    }
  }

  @Nested
  class Credentials {
    private Secret dockerConfig(String name, String registry, String user, String password) {
      String auth =
          Base64.getEncoder()
              .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
      String json = "{\"auths\":{\"" + registry + "\":{\"auth\":\"" + auth + "\"}}}";
      return new SecretBuilder()
          .withNewMetadata()
          .withName(name)
          .withNamespace("default")
          .endMetadata()
          .withType("kubernetes.io/dockerconfigjson")
          .addToData(
              ".dockerconfigjson",
              Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)))
          .build();
    }

    @Test
    void pullPushAndRegistryCheckUseTheSpecsSecretsAndNothingLeaks() {
      FakeImagePort port =
          new FakeImagePort()
              .remote("reg.example/p/app:1", dg(1), id(1))
              .local(id(2), List.of("reg.example/p/b:1"), List.of("reg.example/p/b@" + dg(2)))
              .fail(
                  "pull reg.example/p/app:1",
                  new StreamException("unauthorized: authentication required"));
      ImageSpec s =
          spec(
              "s",
              ImageEntry.of("reg.example/p/app:1")
                  .withPush("mirror.example/p/app:1", "mirror-cred"),
              ImageEntry.of("reg.example/p/b:1").withPullPolicy(PullPolicy.Always));
      s.getSpec().setPullSecrets(List.of("regcred"));
      CredentialResolver fallback =
          (ns, names, domain) -> Optional.of(AuthConfig.basic("fallback", "fallback-pw"));
      CredentialResolver creds =
          SecretCredentialResolver.withFallback(
              List.of(
                  dockerConfig("regcred", "https://reg.example", "puller", "s3cret-pull"),
                  dockerConfig("mirror-cred", "mirror.example", "pusher", "s3cret-push")),
              fallback);

      ReconcileResult r = new Reconciler(port, creds, options()).reconcile(List.of(s));

      assertThat(port.authsFor("pull reg.example/p/app:1"))
          .extracting(AuthConfig::username, AuthConfig::password)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("puller", "s3cret-pull"));
      assertThat(port.authsFor("registryDigest reg.example/p/b:1"))
          .extracting(AuthConfig::username)
          .containsExactly("puller");
      String everything =
          r.toString() + r.statuses() + r.outcomes() + r.plan() + r.problems() + creds;
      assertThat(everything).doesNotContain("s3cret").doesNotContain("fallback-pw");
      assertThat(image(r, "s", 0).getMessage())
          .isEqualTo("pull failed: unauthorized: authentication required");

      // the push target uses its own Secret; an unknown registry falls back
      FakeImagePort port2 = new FakeImagePort().remote("reg.example/p/app:1", dg(1), id(1));
      new Reconciler(port2, creds, options()).reconcile(List.of(s));
      assertThat(port2.authsFor("push mirror.example/p/app:1"))
          .extracting(AuthConfig::username)
          .containsExactly("pusher");
      ImageSpec other = spec("o", ImageEntry.of("elsewhere.example/x:1"));
      FakeImagePort port3 = new FakeImagePort().remote("elsewhere.example/x:1", dg(1), id(1));
      new Reconciler(port3, creds, options()).reconcile(List.of(other));
      assertThat(port3.authsFor("pull elsewhere.example/x:1"))
          .extracting(AuthConfig::username)
          .containsExactly("fallback");
    }

    @Test
    void resolverErrorsFailTheActionWithoutSecrets() {
      FakeImagePort port = new FakeImagePort().remote("a:1", dg(1), id(1));
      CredentialResolver broken =
          (ns, names, domain) -> {
            throw new IllegalStateException("docker config unreadable");
          };
      ReconcileResult r =
          new Reconciler(port, broken, options())
              .reconcile(List.of(spec("s", ImageEntry.of("a:1"))));
      assertThat(port.mutatingCalls()).isEmpty();
      assertThat(image(r, "s", 0).getMessage())
          .isEqualTo("pull failed: cannot resolve credentials: docker config unreadable");
    }
  }

  @Nested
  class Prune {
    @Test
    void pruneRemovesCandidatesByIdAndReportsBytes() {
      FakeImagePort port =
          new FakeImagePort()
              .remote("a:1", dg(1), id(1))
              .local(id(7), List.of(), List.of())
              .local(id(8), List.of(), List.of())
              .local(id(6), List.of(), List.of())
              .local(id(5), List.of("kept:1"), List.of())
              .localDetails(id(7), Map.of(), NOW.minusSeconds(10), 1_500)
              .localDetails(id(8), Map.of(), NOW.minusSeconds(10), 2_500)
              .container("stopped", id(6))
              .fail(
                  "remove " + id(8),
                  new ApiException(409, "conflict: image is being used by running container 1234"));
      ImageSpec s = withPrune(spec("s", ImageEntry.of("a:1")), true, null);
      ReconcileResult r =
          reconciler(port, options().withPruneNow(Set.of(key("s")))).reconcile(List.of(s));
      assertThat(port.mutatingCalls())
          .containsExactly("pull docker.io/library/a:1", "remove " + id(7), "remove " + id(8));
      assertThat(r.calls().listContainers()).isEqualTo(1);
      var prune = r.statuses().get(key("s")).getPrune();
      assertThat(prune.getImagesDeleted()).isEqualTo(1);
      assertThat(prune.getSpaceReclaimed()).isEqualTo(1_500);
      assertThat(prune.getLastRun()).isEqualTo("2025-01-15T12:00:00Z");
      assertThat(prune.getNextRun()).isEqualTo("2025-01-16T03:00:00Z");
      assertThat(prune.getMessage())
          .startsWith("deleted 1 image, reclaimed 1.5kB; could not delete " + Ids.shortId(id(8)));
      assertThat(r.statuses().get(key("s")).condition("Degraded").orElseThrow().getReason())
          .isEqualTo("PruneFailed");
      assertThat(port.hasImage(id(7))).isFalse();
      assertThat(port.hasImage(id(6))).isTrue();
    }

    @Test
    void imageWithSeveralTagsIsPrunedByItsId() {
      FakeImagePort port =
          new FakeImagePort()
              .local(id(1), List.of("a:1"), List.of())
              .local(id(7), List.of("x:1", "x:2"), List.of());
      ImageSpec s = withPrune(spec("s", ImageEntry.of("a:1")), false, null);
      ReconcileResult r = reconciler(port, options().withPruneAll(true)).reconcile(List.of(s));
      // the port removes every name (Images.removeImage on an engine, pinned by ImagesEngineTest)
      assertThat(port.mutatingCalls()).containsExactly("remove " + id(7));
      assertThat(port.hasImage(id(7))).isFalse();
      assertThat(r.statuses().get(key("s")).getPrune().getImagesDeleted()).isEqualTo(1);
    }

    @Test
    void imageTakenBackByAPullInThisPassIsNotPruned() {
      // id(7) is dangling, and the registry's a:1 is exactly that image
      FakeImagePort port =
          new FakeImagePort().remote("a:1", dg(1), id(7)).local(id(7), List.of(), List.of());
      ImageSpec s = withPrune(spec("s", ImageEntry.of("a:1")), true, null);
      ReconcileResult r = reconciler(port, options().withPruneAll(true)).reconcile(List.of(s));
      assertThat(port.mutatingCalls()).containsExactly("pull docker.io/library/a:1");
      assertThat(r.outcomes().get(1).result()).isEqualTo(ActionOutcome.Result.SKIPPED);
      assertThat(port.hasImage(id(7))).isTrue();
      assertThat(r.statuses().get(key("s")).getPrune().getImagesDeleted()).isZero();
    }

    @Test
    void scheduledPruneIsDueAfterNextRun() {
      ImageSpec s = withPrune(spec("s", ImageEntry.of("a:1")), true, null);
      FakeImagePort port =
          new FakeImagePort()
              .local(id(1), List.of("a:1"), List.of())
              .local(id(7), List.of(), List.of());
      // first pass: not due yet (nothing recorded), records nextRun
      Map<SpecKey, ImageSpecStatus> prev = Map.of();
      assertThat(PruneSchedule.due(List.of(s), prev, NOW)).isEmpty();
      ReconcileResult first = reconciler(port, options()).reconcile(List.of(s), prev);
      assertThat(first.statuses().get(key("s")).getPrune().getNextRun())
          .isEqualTo("2025-01-16T03:00:00Z");
      assertThat(port.mutatingCalls()).isEmpty();
      Instant at3 = Instant.parse("2025-01-16T03:00:00Z");
      assertThat(PruneSchedule.due(List.of(s), first.statuses(), at3.minusSeconds(1))).isEmpty();
      Set<SpecKey> due = PruneSchedule.due(List.of(s), first.statuses(), at3);
      assertThat(due).containsExactly(key("s"));
      ReconcileResult second =
          reconciler(port, options(at3).withPruneNow(due)).reconcile(List.of(s), first.statuses());
      assertThat(port.mutatingCalls()).containsExactly("remove " + id(7));
      assertThat(second.statuses().get(key("s")).getPrune().getLastRun())
          .isEqualTo("2025-01-16T03:00:00Z");
      assertThat(second.statuses().get(key("s")).getPrune().getNextRun())
          .isEqualTo("2025-01-17T03:00:00Z");
      assertThat(PruneSchedule.due(List.of(s), second.statuses(), at3.plusSeconds(3600))).isEmpty();
      assertThat(PruneSchedule.due(List.of(s), second.statuses(), at3.plus(Duration.ofDays(1))))
          .containsExactly(key("s"));
      // a pass without prune keeps the last run's figures
      ReconcileResult third =
          reconciler(port, options(at3.plusSeconds(60))).reconcile(List.of(s), second.statuses());
      assertThat(third.statuses().get(key("s")).getPrune().getLastRun())
          .isEqualTo("2025-01-16T03:00:00Z");
      assertThat(third.statuses().get(key("s")).getPrune().getImagesDeleted()).isEqualTo(1);
    }
  }
}
