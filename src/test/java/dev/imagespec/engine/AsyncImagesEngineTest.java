package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagespec.testing.TestEnv;
import dev.imagespec.testing.TestEnv.Engine;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The async facade: futures and publishers over the same blocking core. */
class AsyncImagesEngineTest {

  static Stream<Engine> engines() {
    return TestEnv.engines();
  }

  /** Records every signal; requests as told. */
  static final class Recorder<T> implements Flow.Subscriber<T> {
    final List<T> items = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> done = new CompletableFuture<>();
    volatile Flow.Subscription subscription;
    final long initial;

    Recorder(long initial) {
      this.initial = initial;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (initial > 0) {
        s.request(initial);
      }
    }

    @Override
    public void onNext(T item) {
      items.add(item);
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      done.complete(null);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void asyncPullAndFutures(Engine engine) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (EngineClient c = EngineClient.builder().host(engine.host()).executor(pool).build()) {
      AsyncImages async = c.async();
      String repo = TestEnv.registry() + "/async/app" + engine.name() + TestEnv.unique();
      Image seeded = TestEnv.seed(c, repo + ":1");
      async.push(repo + ":1", PushOptions.defaults(), null).get(60, TimeUnit.SECONDS);
      async.remove(repo + ":1", false, false).get(60, TimeUnit.SECONDS);
      assertThat(async.exists(repo + ":1").get()).isFalse();

      List<ProgressEvent> events = new CopyOnWriteArrayList<>();
      Image pulled =
          async.pull(repo + ":1", PullOptions.defaults(), events::add).get(60, TimeUnit.SECONDS);
      assertThat(pulled.id()).isEqualTo(seeded.id());
      assertThat(events).isNotEmpty();

      CompletableFuture<Image> missing = async.get(repo + ":absent");
      assertThat(missing)
          .failsWithin(Duration.ofSeconds(30))
          .withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(ImageNotFoundException.class);

      // A pull as a publisher: every item, then completion.
      c.images().remove(repo + ":1", false, false);
      Recorder<ProgressEvent> r = new Recorder<>(Long.MAX_VALUE);
      async.pullPublisher(repo + ":1", PullOptions.defaults()).subscribe(r);
      r.done.get(60, TimeUnit.SECONDS);
      assertThat(r.items).isNotEmpty();
      assertThat(c.images().exists(repo + ":1")).isTrue();
    } finally {
      pool.shutdownNow();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void cancellingASavePublisherClosesItsConnection(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      String name = TestEnv.registry() + "/async/save:" + TestEnv.unique();
      TestEnv.seed(c, name);
      c.transport().close(); // drop pooled connections: count only the save's
      await().atMost(Duration.ofSeconds(5)).until(() -> c.transport().connectionCount() == 0);

      Recorder<ByteBuffer> r = new Recorder<>(1);
      c.async()
          .savePublisher(List.of(name), SaveOptions.builder().chunkSize(16 * 1024).build())
          .subscribe(r);
      await().atMost(Duration.ofSeconds(30)).until(() -> r.items.size() == 1);
      assertThat(r.items.get(0).remaining()).isEqualTo(16 * 1024);
      // The archive is ~2 MB: with one chunk read, the connection is still busy.
      assertThat(c.transport().connectionCount()).isEqualTo(1);

      r.subscription.cancel();
      await().atMost(Duration.ofSeconds(10)).until(() -> c.transport().connectionCount() == 0);
      r.subscription.request(5); // after cancel: no-op
      await()
          .during(Duration.ofMillis(200))
          .atMost(Duration.ofSeconds(2))
          .until(() -> r.items.size() == 1);
      assertThat(r.done).isNotDone();

      // The client still works, and a full read of the same publisher completes.
      Recorder<ByteBuffer> all = new Recorder<>(Long.MAX_VALUE);
      c.async().savePublisher(List.of(name), SaveOptions.defaults()).subscribe(all);
      all.done.get(60, TimeUnit.SECONDS);
      assertThat(all.items.stream().mapToLong(ByteBuffer::remaining).sum())
          .isGreaterThan(1_000_000);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void cancellingABlockedBuildPublisherAndErrors(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      String base = TestEnv.registry() + "/async/base:" + TestEnv.unique();
      TestEnv.seed(c, base);
      String failing =
          c.info().podman()
              ? "FROM " + base + "\nCOPY missing /x\n"
              : "FROM " + base + "\nRUN exit 7\n";
      BuildOptions options =
          BuildOptions.builder()
              .networkMode(c.info().podman() ? null : "none")
              .forcerm(true)
              .build();
      Recorder<ProgressEvent> r = new Recorder<>(Long.MAX_VALUE);
      c.async().buildPublisher(BuildContext.dockerfile(failing), options).subscribe(r);
      assertThat(r.done)
          .failsWithin(Duration.ofSeconds(60))
          .withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(BuildException.class);

      Recorder<ProgressEvent> bad = new Recorder<>(0);
      c.async()
          .buildPublisher(BuildContext.dockerfile("FROM " + base + "\n"), options)
          .subscribe(bad);
      bad.subscription.request(0);
      assertThat(bad.done)
          .failsWithin(Duration.ofSeconds(10))
          .withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(IllegalArgumentException.class);

      BuildResult ok =
          c.async()
              .build(
                  BuildContext.dockerfile("FROM " + base + "\nLABEL async=yes\n"),
                  BuildOptions.defaults())
              .get(60, TimeUnit.SECONDS);
      assertThat(ok.image().labels()).containsEntry("async", "yes");
    }
  }

  @Test
  void cancellingCutsAStreamWhileAThreadIsBlockedReadingIt() throws Exception {
    try (EngineClient c = TestEnv.docker().client()) {
      String base = TestEnv.registry() + "/async/base:" + TestEnv.unique();
      TestEnv.seed(c, base);
      c.transport().close();
      Recorder<ProgressEvent> r = new Recorder<>(Long.MAX_VALUE);
      c.async()
          .buildPublisher(
              BuildContext.dockerfile("FROM " + base + "\nRUN echo sleeping && sleep 60\n"),
              BuildOptions.builder().networkMode("none").nocache(true).build())
          .subscribe(r);
      // The drain thread is now blocked reading while the RUN step sleeps.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> r.items.stream().anyMatch(e -> "sleeping\n".equals(e.stream())));
      long start = System.nanoTime();
      r.subscription.cancel();
      await().atMost(Duration.ofSeconds(5)).until(() -> c.transport().connectionCount() == 0);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(r.done).isNotDone();
    }
  }
}
