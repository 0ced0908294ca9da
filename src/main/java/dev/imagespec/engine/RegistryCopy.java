package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies an image from one registry to another (or within one), registry to registry, with no
 * engine: as {@code skopeo copy} or {@code crane copy} do.
 *
 * <ul>
 *   <li>When the target's tag already serves the source's digest, nothing is copied (one manifest
 *       {@code HEAD} on the target; one more on the source when it is named by tag).
 *   <li>Otherwise every manifest is copied with its exact bytes, so digests are kept: an index's
 *       platform manifests by digest (those the target holds are skipped), then the index under the
 *       target's tag. With {@link CopyOptions#platform} only that platform's manifest of an index
 *       is copied, under the tag.
 *   <li>A manifest's config and layers: mounted from the source repository when both are on the
 *       same registry (no bytes sent; an upload when the registry refuses the mount), else streamed
 *       from the source's answer into the target's upload, never held in memory, and skipped when
 *       the target holds them. {@link CopyOptions#parallelism} blobs at once. Foreign layers (with
 *       {@code urls}) are never copied, as registries do. The bytes are checked against their
 *       digest on both ends: while they are read, and by the target registry.
 * </ul>
 *
 * Errors are {@link CopyException}s that name the side (source or target) and, for a refusal, whose
 * credentials to check; never the credentials. Instances are thread-safe.
 */
public final class RegistryCopy {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryCopy.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> FOREIGN_LAYERS =
      Set.of(
          "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
          "application/vnd.oci.image.layer.nondistributable.v1.tar",
          "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
          "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd");
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final RegistryClient client;

  public RegistryCopy(RegistryClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  /**
   * Copies {@code source} (a tag, {@code latest} when it names neither tag nor digest, or a digest)
   * to {@code target} (its tag, {@code latest} when it names none).
   *
   * @throws CopyException when a registry refuses, lacks the image or cannot be reached, naming the
   *     side
   * @throws InvalidArgumentException when {@code target} names a digest that is not the source's
   */
  public CopyResult copy(ImageReference source, ImageReference target, CopyOptions options) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(options, "options");
    return new Run(source.withDefaultTag(), target.withDefaultTag(), options).copy();
  }

  /** One copy: its references, options, counters and blob threads. */
  private final class Run {
    private final ImageReference source;
    private final ImageReference target;
    private final CopyOptions options;
    private final boolean sameRegistry;
    private final AtomicInteger manifests = new AtomicInteger();
    private final AtomicInteger copied = new AtomicInteger();
    private final AtomicInteger mounted = new AtomicInteger();
    private final AtomicInteger skipped = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final Set<String> blobsDone = ConcurrentHashMap.newKeySet();
    private ExecutorService pool;

    Run(ImageReference source, ImageReference target, CopyOptions options) {
      this.source = source;
      this.target = target;
      this.options = options;
      this.sameRegistry = source.domain().equals(target.domain());
    }

    CopyResult copy() {
      try {
        RegistryManifest root = null;
        String wanted;
        if (options.allPlatforms()) {
          wanted =
              source.hasDigest()
                  ? source.digest().orElseThrow()
                  : onSource(() -> client.digest(source, options.sourceAuth()))
                      .orElseThrow(
                          () ->
                              new CopyException(
                                  CopyException.Side.SOURCE,
                                  404,
                                  "source "
                                      + source.canonical()
                                      + ": image not found in registry "
                                      + source.domain()
                                      + "; check the name and tag",
                                  null));
        } else {
          RegistryManifest top = onSource(() -> client.fetchManifest(source, options.sourceAuth()));
          if (top.isIndex()) {
            wanted = platformEntry(top);
          } else {
            root = top;
            wanted = top.digest();
          }
        }
        String targetDigest = target.digest().orElse(null);
        if (targetDigest != null && !targetDigest.equals(wanted)) {
          throw new InvalidArgumentException(
              "target "
                  + target.canonical()
                  + " names digest "
                  + targetDigest
                  + ", but the source is "
                  + wanted
                  + ": a copy keeps digests; name the target by tag");
        }
        Optional<String> there = onTarget(() -> client.digest(target, options.targetAuth()));
        if (there.isPresent() && there.get().equals(wanted)) {
          LOG.info("{} already holds {}: nothing to copy", target.canonical(), wanted);
          return result(wanted, root == null ? null : root.mediaType(), true);
        }
        if (root == null) {
          String digest = wanted;
          root =
              onSource(() -> client.fetchManifest(source.withDigest(digest), options.sourceAuth()));
        }
        LOG.info("copying {} ({}) to {}", source.canonical(), wanted, target.canonical());
        copyManifest(root, target);
        return result(root.digest(), root.mediaType(), false);
      } finally {
        if (pool != null) {
          pool.shutdownNow();
        }
      }
    }

    private CopyResult result(String digest, String mediaType, boolean nothing) {
      return new CopyResult(
          source.canonical(),
          target.canonical(),
          digest,
          mediaType,
          nothing,
          manifests.get(),
          copied.get(),
          mounted.get(),
          skipped.get(),
          bytes.get());
    }

    /** The digest of the index entry for {@link CopyOptions#platform}. */
    private String platformEntry(RegistryManifest index) {
      Platform want = Platform.parse(options.platform());
      JsonNode json = parse(index);
      String loose = null;
      List<String> offered = new ArrayList<>();
      for (JsonNode entry : json.path("manifests")) {
        JsonNode p = entry.path("platform");
        String os = p.path("os").asText("");
        String arch = p.path("architecture").asText("");
        String variant = p.path("variant").asText("");
        if (os.isEmpty() || os.equals("unknown")) {
          continue; // attestations and the like
        }
        offered.add(os + "/" + arch + (variant.isEmpty() ? "" : "/" + variant));
        if (!os.equals(want.os()) || !arch.equals(want.arch())) {
          continue;
        }
        String digest = RegistryResponses.text(entry, "digest");
        String wantVariant = normalVariant(arch, want.variant());
        if (wantVariant.equals(normalVariant(arch, variant))) {
          return checkedDigest(digest, index);
        }
        if (want.variant() == null && loose == null) {
          loose = digest;
        }
      }
      if (loose != null) {
        return checkedDigest(loose, index);
      }
      throw new CopyException(
          CopyException.Side.SOURCE,
          404,
          "source "
              + source.canonical()
              + ": its index has no "
              + options.platform()
              + " manifest (it has "
              + (offered.isEmpty() ? "no platforms" : String.join(", ", offered))
              + "); give one of those, or copy every platform",
          null);
    }

    /**
     * Copies one manifest: an index's platform manifests (by digest), else its blobs; then puts it
     * under {@code putRef}.
     */
    private void copyManifest(RegistryManifest m, ImageReference putRef) {
      JsonNode json = parse(m);
      if (m.isIndex()) {
        for (JsonNode entry : json.path("manifests")) {
          String digest = checkedDigest(RegistryResponses.text(entry, "digest"), m);
          ImageReference child = target.withDigest(digest);
          if (onTarget(() -> client.digest(child, options.targetAuth())).isPresent()) {
            progress(CopyProgress.Step.MANIFEST_SKIPPED, digest, entry.path("size").asLong());
            continue;
          }
          RegistryManifest childManifest =
              onSource(() -> client.fetchManifest(source.withDigest(digest), options.sourceAuth()));
          copyManifest(childManifest, child);
        }
      } else {
        copyBlobs(blobs(json, m));
      }
      onTarget(() -> client.putManifest(putRef, m.mediaType(), m.body(), options.targetAuth()));
      manifests.incrementAndGet();
      LOG.debug("put manifest {} ({}) as {}", m.digest(), m.mediaType(), putRef.canonical());
      progress(CopyProgress.Step.MANIFEST_PUT, m.digest(), m.body().length);
    }

    private void copyBlobs(List<Descriptor> blobs) {
      List<Descriptor> todo = new ArrayList<>();
      for (Descriptor d : blobs) {
        if (d.foreign()) {
          skipped.incrementAndGet();
          LOG.debug("foreign layer {} left out, as registries do", d.digest());
          progress(CopyProgress.Step.BLOB_SKIPPED, d.digest(), d.size());
        } else if (blobsDone.add(d.digest())) {
          todo.add(d);
        }
      }
      if (todo.size() <= 1 || options.parallelism() == 1) {
        todo.forEach(this::copyBlob);
        return;
      }
      todo.sort(Comparator.comparingLong(Descriptor::size).reversed());
      if (pool == null) {
        pool =
            Executors.newFixedThreadPool(
                options.parallelism(),
                r -> {
                  Thread t = new Thread(r, "imagespec-copy-" + THREADS.incrementAndGet());
                  t.setDaemon(true);
                  return t;
                });
      }
      List<Future<?>> futures = new ArrayList<>();
      // the pool's threads honour the copy's deadline, as the calling thread does
      Deadline deadline = Deadline.current().orElse(null);
      for (Descriptor d : todo) {
        Runnable task = () -> copyBlob(d);
        futures.add(pool.submit(deadline == null ? task : deadline.bind(task)));
      }
      RuntimeException failure = null;
      for (Future<?> f : futures) {
        try {
          if (failure == null) {
            f.get();
          } else if (!f.cancel(false)) {
            f.get(); // let a running transfer end before the copy reports its failure
          }
        } catch (ExecutionException e) {
          if (failure == null) {
            failure =
                e.getCause() instanceof RuntimeException r
                    ? r
                    : new EngineException("copy of a blob failed: " + e.getCause(), e.getCause());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          futures.forEach(other -> other.cancel(true));
          throw new EngineException(
              "copy of " + source.canonical() + " to " + target.canonical() + " was interrupted",
              e);
        } catch (java.util.concurrent.CancellationException ignored) {
          // a transfer not started when another failed
        }
      }
      if (failure != null) {
        throw failure;
      }
    }

    private void copyBlob(Descriptor d) {
      RegistryClient.BlobSource from = () -> openSource(d.digest());
      RegistryUploads.Outcome outcome =
          onTarget(
              () ->
                  sameRegistry
                      ? client
                          .uploads()
                          .mountBlob(
                              target, source, d.digest(), d.size(), from, options.targetAuth())
                      : client
                          .uploads()
                          .uploadBlob(target, d.digest(), d.size(), from, options.targetAuth()));
      switch (outcome) {
        case PRESENT -> {
          skipped.incrementAndGet();
          progress(CopyProgress.Step.BLOB_SKIPPED, d.digest(), d.size());
        }
        case MOUNTED -> {
          mounted.incrementAndGet();
          LOG.debug("blob {} mounted from {}", d.digest(), source.path());
          progress(CopyProgress.Step.BLOB_MOUNTED, d.digest(), d.size());
        }
        case UPLOADED -> {
          copied.incrementAndGet();
          bytes.addAndGet(d.size());
          LOG.debug("blob {} ({} bytes) copied", d.digest(), d.size());
          progress(CopyProgress.Step.BLOB_UPLOADED, d.digest(), d.size());
        }
      }
    }

    /** The source blob's stream, its failures marked as the source's. */
    private InputStream openSource(String digest) {
      InputStream in = onSource(() -> client.openBlob(source, digest, options.sourceAuth()));
      return new FilterInputStream(in) {
        @Override
        public int read() throws IOException {
          try {
            return super.read();
          } catch (IOException e) {
            throw new SourceReadException(digest, e);
          }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          try {
            return in.read(b, off, len);
          } catch (IOException e) {
            throw new SourceReadException(digest, e);
          }
        }
      };
    }

    private <T> T onSource(Supplier<T> call) {
      try {
        return call.get();
      } catch (CopyException | InvalidArgumentException e) {
        throw e;
      } catch (EngineException e) {
        throw sideFailure(CopyException.Side.SOURCE, source, e);
      }
    }

    /** Runs a call on the target; a failure of the source read inside it stays the source's. */
    private <T> T onTarget(Supplier<T> call) {
      try {
        return call.get();
      } catch (CopyException | InvalidArgumentException e) {
        throw e;
      } catch (EngineException e) {
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
          if (c instanceof CopyException sourceSide) {
            throw sourceSide;
          }
          if (c instanceof SourceReadException read) {
            Deadline d = Deadline.cutting(read.getCause()).orElse(null);
            if (d != null) {
              throw d.exceeded(
                  "copy of " + source.canonical() + " (reading blob " + read.digest + ")", read);
            }
            throw new CopyException(
                CopyException.Side.SOURCE,
                0,
                "source "
                    + source.canonical()
                    + ": reading blob "
                    + read.digest
                    + " failed: "
                    + RegistryResponses.reason(read.getCause())
                    + "; retry the copy",
                read.getCause());
          }
        }
        throw sideFailure(CopyException.Side.TARGET, target, e);
      }
    }

    private void progress(CopyProgress.Step step, String digest, long size) {
      if (options.progress() == null) {
        return;
      }
      try {
        options.progress().accept(new CopyProgress(step, digest, size));
      } catch (RuntimeException e) {
        LOG.warn("copy progress listener failed: {}", e.toString());
      }
    }

    private JsonNode parse(RegistryManifest m) {
      try {
        JsonNode json = JSON.readTree(m.body());
        if (json != null && json.isObject()) {
          return json;
        }
      } catch (IOException e) {
        // reported below
      }
      throw new CopyException(
          CopyException.Side.SOURCE,
          0,
          "source " + source.canonical() + ": manifest " + m.digest() + " is not a JSON object",
          null);
    }

    /** The config and layers of a manifest. */
    private List<Descriptor> blobs(JsonNode json, RegistryManifest m) {
      List<Descriptor> out = new ArrayList<>();
      JsonNode config = json.get("config");
      if (config != null && config.isObject()) {
        out.add(descriptor(config, m));
      }
      for (JsonNode layer : json.path("layers")) {
        out.add(descriptor(layer, m));
      }
      return out;
    }

    private Descriptor descriptor(JsonNode node, RegistryManifest m) {
      String digest = checkedDigest(RegistryResponses.text(node, "digest"), m);
      JsonNode size = node.get("size");
      if (size == null || !size.canConvertToLong() || size.asLong() < 0) {
        throw new CopyException(
            CopyException.Side.SOURCE,
            0,
            "source "
                + source.canonical()
                + ": manifest "
                + m.digest()
                + " gives blob "
                + digest
                + " no valid size; the manifest is damaged",
            null);
      }
      String mediaType = RegistryResponses.text(node, "mediaType");
      boolean foreign =
          mediaType != null && FOREIGN_LAYERS.contains(mediaType) && node.path("urls").size() > 0;
      return new Descriptor(digest, size.asLong(), foreign);
    }

    private String checkedDigest(String digest, RegistryManifest m) {
      try {
        RegistryUploads.checkDigest(digest, source);
        return digest;
      } catch (InvalidArgumentException e) {
        throw new CopyException(
            CopyException.Side.SOURCE,
            0,
            "source "
                + source.canonical()
                + ": manifest "
                + m.digest()
                + " refers to an invalid digest '"
                + digest
                + "'; the manifest is damaged",
            null);
      }
    }
  }

  /** A blob a manifest refers to; {@code foreign} when it is never copied. */
  private record Descriptor(String digest, long size, boolean foreign) {}

  /** A failure reading the source's blob stream, inside the target's upload. */
  private static final class SourceReadException extends IOException {
    final String digest;

    SourceReadException(String digest, IOException cause) {
      super("reading blob " + digest + " from the source failed", cause);
      this.digest = digest;
    }
  }

  private static CopyException sideFailure(
      CopyException.Side side, ImageReference ref, EngineException e) {
    int status = e instanceof ApiException api ? api.status() : 0;
    String hint =
        status == 401 || status == 403 ? "; check the " + side.word() + " credentials" : "";
    return new CopyException(
        side, status, side.word() + " " + ref.canonical() + ": " + e.getMessage() + hint, e);
  }

  /** {@code v8} is arm64's only variant: no variant means it. */
  private static String normalVariant(String arch, String variant) {
    String v = variant == null ? "" : variant;
    return arch.equals("arm64") && v.equals("v8") ? "" : v;
  }
}
