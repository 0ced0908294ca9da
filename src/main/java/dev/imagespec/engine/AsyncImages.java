package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The image operations of {@link Images}, asynchronous (aiodocker's {@code DockerImages}): each
 * returns a {@link CompletableFuture} run on the client's executor, completed with the result or
 * exceptionally with the same typed {@link EngineException} the blocking call raises. Streams are
 * {@link Flow.Publisher}s: cold (each subscriber starts its own call when it first requests), read
 * only as fast as requested, and cancelling a subscription cuts the HTTP connection at once.
 *
 * <p>A thin facade: every method delegates to {@link Images}; there is no second implementation.
 * Cancelling a future does not stop its engine call (use a publisher for that).
 */
public final class AsyncImages {
  private final Images images;
  private final Executor executor;

  AsyncImages(Images images, Executor executor) {
    this.images = images;
    this.executor = executor;
  }

  /** The blocking operations this facade runs. */
  public Images blocking() {
    return images;
  }

  private <T> CompletableFuture<T> run(Supplier<T> call) {
    return CompletableFuture.supplyAsync(call, executor);
  }

  // ------------------------------------------------------------------------- one-shot calls

  public CompletableFuture<List<Image>> list(ListOptions options) {
    return run(() -> images.list(options));
  }

  public CompletableFuture<Image> get(String name) {
    return run(() -> images.get(name));
  }

  public CompletableFuture<JsonNode> inspectRaw(String name) {
    return run(() -> images.inspectRaw(name));
  }

  public CompletableFuture<Boolean> exists(String name) {
    return run(() -> images.exists(name));
  }

  public CompletableFuture<List<JsonNode>> history(String name) {
    return run(() -> images.history(name));
  }

  public CompletableFuture<Image> pull(String reference, PullOptions options) {
    return run(() -> images.pull(reference, options));
  }

  /** {@code progress} is called on the executor's thread. */
  public CompletableFuture<Image> pull(
      String reference, PullOptions options, Consumer<ProgressEvent> progress) {
    return run(() -> images.pull(reference, options, progress));
  }

  public CompletableFuture<List<Image>> pullAllTags(
      String repository, PullOptions options, Consumer<ProgressEvent> progress) {
    return run(() -> images.pullAllTags(repository, options, progress));
  }

  public CompletableFuture<Images.PushResult> push(
      String repository, PushOptions options, Consumer<ProgressEvent> progress) {
    return run(() -> images.push(repository, options, progress));
  }

  public CompletableFuture<Boolean> tag(
      String image, String repository, String tag, boolean force) {
    return run(() -> images.tag(image, repository, tag, force));
  }

  public CompletableFuture<RemoveReport> remove(String image, boolean force, boolean noprune) {
    return run(() -> images.remove(image, force, noprune));
  }

  public CompletableFuture<RemoveReport> removeImage(String id) {
    return run(() -> images.removeImage(id));
  }

  public CompletableFuture<PruneReport> prune(PruneOptions options) {
    return run(() -> images.prune(options));
  }

  public CompletableFuture<BuildPruneReport> pruneBuilds(PruneBuildsOptions options) {
    return run(() -> images.pruneBuilds(options));
  }

  /** The stream is read on the executor's thread. */
  public CompletableFuture<Image> importImage(InputStream tarball, ImportOptions options) {
    return run(() -> images.importImage(tarball, options));
  }

  public CompletableFuture<Image> importImage(Path tarball, ImportOptions options) {
    return run(() -> images.importImage(tarball, options));
  }

  public CompletableFuture<Image> importImageFromData(byte[] data, ImportOptions options) {
    return run(() -> images.importImageFromData(data, options));
  }

  public CompletableFuture<Image> importImageFromUrl(String url, ImportOptions options) {
    return run(() -> images.importImageFromUrl(url, options));
  }

  public CompletableFuture<Image> importImageFromImage(String image, ImportOptions options) {
    return run(() -> images.importImageFromImage(image, options));
  }

  public CompletableFuture<BuildResult> build(BuildContext context, BuildOptions options) {
    return run(() -> images.build(context, options));
  }

  public CompletableFuture<List<Image>> load(InputStream tarball) {
    return run(() -> images.load(tarball));
  }

  public CompletableFuture<List<Image>> load(Path tarball) {
    return run(() -> images.load(tarball));
  }

  /** Saves to a file (written whole, then moved into place); completes with its size. */
  public CompletableFuture<Long> save(List<String> names, SaveOptions options, Path file) {
    return run(
        () -> {
          try (ImageArchive archive = images.save(names, options)) {
            return archive.writeTo(file);
          } catch (java.io.IOException e) {
            throw new CompletionException(e);
          }
        });
  }

  public CompletableFuture<List<SearchResult>> search(String term, SearchOptions options) {
    return run(() -> images.search(term, options));
  }

  public CompletableFuture<RegistryData> registryData(String name, AuthConfig auth) {
    return run(() -> images.registryData(name, auth));
  }

  public CompletableFuture<String> scp(String source, String destination, boolean quiet) {
    return run(() -> images.scp(source, destination, quiet));
  }

  // -------------------------------------------------------------------------------- streams

  /** {@link Images#pullStream} as a publisher. */
  public Flow.Publisher<ProgressEvent> pullPublisher(String reference, PullOptions options) {
    return progress(() -> images.pullStream(reference, options));
  }

  /** {@link Images#pushStream} as a publisher. */
  public Flow.Publisher<ProgressEvent> pushPublisher(String repository, PushOptions options) {
    return progress(() -> images.pushStream(repository, options));
  }

  /**
   * {@link Images#buildStream} as a publisher; a failing step ends it with {@link BuildException}.
   * A directory context is read while the request is sent.
   */
  public Flow.Publisher<ProgressEvent> buildPublisher(BuildContext context, BuildOptions options) {
    return progress(() -> images.buildStream(context, options));
  }

  /**
   * {@link Images#save} as a publisher of the tarball's chunks (the options' chunk size; 0: as
   * received). Each buffer is the subscriber's to keep.
   */
  public Flow.Publisher<ByteBuffer> savePublisher(List<String> names, SaveOptions options) {
    return new StreamPublisher<>(() -> new ArchiveSource(images.save(names, options)), executor);
  }

  private Flow.Publisher<ProgressEvent> progress(Supplier<ProgressStream> open) {
    return new StreamPublisher<>(() -> new ProgressSource(open.get()), executor);
  }

  private record ArchiveSource(ImageArchive archive) implements StreamPublisher.Source<ByteBuffer> {
    @Override
    public ByteBuffer next() {
      byte[] chunk = archive.readChunk();
      return chunk == null ? null : ByteBuffer.wrap(chunk);
    }

    @Override
    public void abort() {
      archive.abort();
    }

    @Override
    public void close() {
      archive.close();
    }
  }

  private record ProgressSource(ProgressStream stream)
      implements StreamPublisher.Source<ProgressEvent> {
    @Override
    public ProgressEvent next() {
      return stream.hasNext() ? stream.next() : null;
    }

    @Override
    public void abort() {
      stream.abort();
    }

    @Override
    public void close() {
      stream.close();
    }
  }
}
