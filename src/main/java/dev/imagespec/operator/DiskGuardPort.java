package dev.imagespec.operator;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.reconcile.ContainerRef;
import dev.imagespec.reconcile.ErrorMessages;
import dev.imagespec.reconcile.ImageBackend;
import dev.imagespec.reconcile.ImagePort;
import dev.imagespec.reconcile.LocalImage;
import dev.imagespec.reconcile.TransferProgress;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's {@link ImagePort}: the runtime's port, whose pulls first pass the disk guard. Before
 * a pull it reads the image filesystem's capacity and free space (statvfs of {@code --image-fs},
 * else of the directory the runtime reports, as the agent's container sees it) and the image's
 * compressed size from the registry ({@link ImageSizes}, with the pull's credentials); a pull that
 * would fill the filesystem beyond {@code --disk-high-percent} throws {@link
 * InsufficientDiskException} instead of reaching the runtime. Pulls whose size or filesystem cannot
 * be known go ahead. Every other call passes through.
 */
final class DiskGuardPort implements ImagePort {
  private static final Logger LOG = LoggerFactory.getLogger(DiskGuardPort.class);

  private final ImagePort delegate;
  private final DiskGuard guard;
  private final String configured;
  private final Supplier<Optional<String>> reported;
  private final ImageSizes sizes;
  private final Object lock = new Object();
  private long underWay; // bytes of pulls the guard let through that have not ended; under lock
  private volatile boolean resolved;
  private volatile Path fs;

  /**
   * @param configured {@code --image-fs}, or null to use the directory the runtime reports
   * @param reported asks the runtime where it keeps images
   */
  DiskGuardPort(
      ImagePort delegate,
      DiskGuard guard,
      String configured,
      Supplier<Optional<String>> reported,
      ImageSizes sizes) {
    this.delegate = delegate;
    this.guard = guard;
    this.configured = configured;
    this.reported = reported;
    this.sizes = sizes;
  }

  /** The guarded port of {@code backend} with the agent's settings. */
  static DiskGuardPort of(ImageBackend backend, AgentReconciler.Settings settings) {
    return new DiskGuardPort(
        backend.port(),
        new DiskGuard(settings.diskHighPercent()),
        settings.imageFs(),
        backend::imageFsPath,
        // the backend's registry client when it has one: one connection pool, one TLS set-up
        new ImageSizes(backend.registryClient().orElseGet(() -> RegistryClient.builder().build())));
  }

  /** The image filesystem, empty when the guard is off (said once in the log). */
  Optional<Path> imageFs() {
    if (resolved) {
      return Optional.ofNullable(fs);
    }
    synchronized (lock) {
      if (!resolved) {
        String path = configured;
        String source = "--image-fs";
        if (path == null) {
          Optional<String> r;
          try {
            r = reported.get();
          } catch (RuntimeException e) {
            LOG.debug(
                "cannot ask the runtime where it keeps images ({}); asking again at the next pull",
                ErrorMessages.of(e));
            return Optional.empty();
          }
          if (r.isEmpty()) {
            off("the runtime reports no image filesystem");
            return Optional.empty();
          }
          path = r.get();
          source = "the runtime";
        }
        Path p = Path.of(path);
        if (Files.isDirectory(p)) {
          fs = p;
          LOG.info(
              "disk guard on: image filesystem {} (from {}); a pull that would fill it beyond {}%"
                  + " is refused",
              p, source, guard.highPercent());
        } else {
          off(
              path
                  + " (from "
                  + source
                  + ") is no directory in the agent's filesystem: mount the runtime's root there"
                  + " (a read-only hostPath) or give --image-fs");
        }
        resolved = true;
      }
    }
    return Optional.ofNullable(fs);
  }

  private void off(String why) {
    resolved = true;
    LOG.warn(
        "no disk guard: {}; pulls are not checked against the image filesystem's free space", why);
  }

  @Override
  public LocalImage pull(ImageReference reference, String platform, AuthConfig auth) {
    return pull(reference, platform, auth, null);
  }

  @Override
  public LocalImage pull(
      ImageReference reference,
      String platform,
      AuthConfig auth,
      Consumer<TransferProgress> progress) {
    long reserve = admit(reference, platform, auth);
    try {
      return progress == null
          ? delegate.pull(reference, platform, auth)
          : delegate.pull(reference, platform, auth, progress);
    } finally {
      if (reserve > 0) {
        synchronized (lock) {
          underWay -= reserve;
        }
      }
    }
  }

  /**
   * Checks the pull against the limit; returns the bytes reserved for it (0 when unchecked).
   *
   * @throws InsufficientDiskException the pull would cross the limit
   */
  private long admit(ImageReference reference, String platform, AuthConfig auth) {
    Optional<Path> path = imageFs();
    if (path.isEmpty()) {
      return 0;
    }
    OptionalLong size;
    try {
      size = sizes.compressedSize(reference, platform, auth);
    } catch (RuntimeException e) {
      LOG.debug(
          "size of {} unknown ({}): pulled without the disk guard", reference, ErrorMessages.of(e));
      return 0;
    }
    if (size.isEmpty()) {
      LOG.debug("size of {} unknown (no manifest for the platform): pulled anyway", reference);
      return 0;
    }
    synchronized (lock) {
      long capacity;
      long available;
      try {
        FileStore store = Files.getFileStore(path.get());
        capacity = store.getTotalSpace();
        available = store.getUsableSpace();
      } catch (IOException | RuntimeException e) {
        LOG.debug("cannot stat {} ({}): pulled without the disk guard", path.get(), e.toString());
        return 0;
      }
      String refusal =
          guard.refusal(
              reference.canonical(),
              path.get().toString(),
              capacity,
              available,
              underWay,
              size.getAsLong());
      if (refusal != null) {
        throw new InsufficientDiskException(refusal);
      }
      underWay += size.getAsLong();
      return size.getAsLong();
    }
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public List<LocalImage> listImages() {
    return delegate.listImages();
  }

  @Override
  public List<ContainerRef> listContainers() {
    return delegate.listContainers();
  }

  @Override
  public Optional<LocalImage> inspect(String referenceOrId) {
    return delegate.inspect(referenceOrId);
  }

  @Override
  public void tag(String sourceReferenceOrId, ImageReference target) {
    delegate.tag(sourceReferenceOrId, target);
  }

  @Override
  public String push(ImageReference reference, AuthConfig auth) {
    return delegate.push(reference, auth);
  }

  @Override
  public String push(
      ImageReference reference, AuthConfig auth, Consumer<TransferProgress> progress) {
    return delegate.push(reference, auth, progress);
  }

  @Override
  public void remove(String referenceOrId) {
    delegate.remove(referenceOrId);
  }

  @Override
  public Optional<String> registryDigest(ImageReference reference, AuthConfig auth) {
    return delegate.registryDigest(reference, auth);
  }

  @Override
  public Optional<String> registryImageId(ImageReference reference, AuthConfig auth) {
    return delegate.registryImageId(reference, auth);
  }
}
