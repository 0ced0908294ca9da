package dev.imagespec.reconcile;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.ImageReference;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** Counts the calls made through a port. */
final class CountingImagePort implements ImagePort {
  private final ImagePort delegate;
  private final AtomicInteger listImages = new AtomicInteger();
  private final AtomicInteger listContainers = new AtomicInteger();
  private final AtomicInteger inspect = new AtomicInteger();
  private final AtomicInteger registryDigest = new AtomicInteger();
  private final AtomicInteger pull = new AtomicInteger();
  private final AtomicInteger tag = new AtomicInteger();
  private final AtomicInteger push = new AtomicInteger();
  private final AtomicInteger remove = new AtomicInteger();

  CountingImagePort(ImagePort delegate) {
    this.delegate = delegate;
  }

  EngineCalls calls() {
    return new EngineCalls(
        listImages.get(),
        listContainers.get(),
        inspect.get(),
        registryDigest.get(),
        pull.get(),
        tag.get(),
        push.get(),
        remove.get());
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public List<LocalImage> listImages() {
    listImages.incrementAndGet();
    return delegate.listImages();
  }

  @Override
  public List<ContainerRef> listContainers() {
    listContainers.incrementAndGet();
    return delegate.listContainers();
  }

  @Override
  public Optional<LocalImage> inspect(String referenceOrId) {
    inspect.incrementAndGet();
    return delegate.inspect(referenceOrId);
  }

  @Override
  public LocalImage pull(ImageReference reference, String platform, AuthConfig auth) {
    pull.incrementAndGet();
    return delegate.pull(reference, platform, auth);
  }

  @Override
  public LocalImage pull(
      ImageReference reference,
      String platform,
      AuthConfig auth,
      Consumer<TransferProgress> progress) {
    pull.incrementAndGet();
    return delegate.pull(reference, platform, auth, progress);
  }

  @Override
  public void tag(String sourceReferenceOrId, ImageReference target) {
    tag.incrementAndGet();
    delegate.tag(sourceReferenceOrId, target);
  }

  @Override
  public String push(ImageReference reference, AuthConfig auth) {
    push.incrementAndGet();
    return delegate.push(reference, auth);
  }

  @Override
  public String push(
      ImageReference reference, AuthConfig auth, Consumer<TransferProgress> progress) {
    push.incrementAndGet();
    return delegate.push(reference, auth, progress);
  }

  @Override
  public void remove(String referenceOrId) {
    remove.incrementAndGet();
    delegate.remove(referenceOrId);
  }

  @Override
  public Optional<String> registryDigest(ImageReference reference, AuthConfig auth) {
    registryDigest.incrementAndGet();
    return delegate.registryDigest(reference, auth);
  }

  @Override
  public Optional<String> registryImageId(ImageReference reference, AuthConfig auth) {
    registryDigest.incrementAndGet();
    return delegate.registryImageId(reference, auth);
  }
}
