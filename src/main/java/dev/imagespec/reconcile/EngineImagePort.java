package dev.imagespec.reconcile;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.Image;
import dev.imagespec.engine.ImageNotFoundException;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.PullOptions;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.RegistryNames;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconciler's port over a Docker or Podman engine: image calls go to the engine, registry
 * digests to the registry's v2 API (the same answer on both engines, and Podman 4 has no
 * distribution endpoint).
 */
public final class EngineImagePort implements ImagePort {
  private static final Logger LOG = LoggerFactory.getLogger(EngineImagePort.class);
  private final EngineClient engine;
  private RegistryClient registry;

  public EngineImagePort(EngineClient engine, RegistryClient registry) {
    this.engine = engine;
    this.registry = registry;
  }

  /**
   * A port with its own registry client, made at the first registry call: a command that only lists
   * images never sets up TLS (reading the trust store was a fifth of {@code images ls}).
   */
  public EngineImagePort(EngineClient engine) {
    this(engine, null);
  }

  private synchronized RegistryClient registry() {
    if (registry == null) {
      registry = RegistryClient.builder().build();
    }
    return registry;
  }

  @Override
  public String describe() {
    EngineClient.ServerInfo info = engine.info();
    String version = engine.version().path("Version").asText("?");
    return info.engineName() + " " + version + " (" + engine.endpoint() + ")";
  }

  @Override
  public List<LocalImage> listImages() {
    return engine.images().list().stream().map(EngineImagePort::toLocal).toList();
  }

  static LocalImage toLocal(Image i) {
    return new LocalImage(i.id(), i.tags(), i.repoDigests(), i.labels(), i.created(), i.size());
  }

  @Override
  public List<ContainerRef> listContainers() {
    return engine.containers().list().stream()
        .map(c -> new ContainerRef(c.id(), c.name(), c.imageId(), c.image()))
        .toList();
  }

  @Override
  public Optional<LocalImage> inspect(String referenceOrId) {
    try {
      return Optional.of(toLocal(engine.images().get(referenceOrId)));
    } catch (ImageNotFoundException e) {
      return Optional.empty();
    }
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
    LOG.info("pull {}", reference);
    return toLocal(
        engine
            .images()
            .pull(
                reference.canonical(),
                PullOptions.builder()
                    .platform(platform)
                    .auth(auth)
                    // Docker takes loopback registries as insecure by default; Podman is told
                    .tlsVerify(RegistryNames.isLoopbackRegistry(reference.domain()) ? false : null)
                    .build(),
                progress == null ? null : TransferTally.pull(progress)));
  }

  @Override
  public void tag(String sourceReferenceOrId, ImageReference target) {
    LOG.info("tag {} as {}", sourceReferenceOrId, target);
    ImageReference t = target.withDefaultTag();
    engine.images().tag(sourceReferenceOrId, t.familiarRepository(), t.tag().orElseThrow(), true);
  }

  @Override
  public String push(ImageReference reference, AuthConfig auth) {
    return push(reference, auth, null);
  }

  @Override
  public String push(
      ImageReference reference, AuthConfig auth, Consumer<TransferProgress> progress) {
    LOG.info("push {}", reference);
    Images.PushResult r =
        engine
            .images()
            .push(
                reference.familiar(),
                PushOptions.builder().auth(auth).build(),
                progress == null ? null : TransferTally.push(progress));
    if (r.digest() != null) {
      return r.digest();
    }
    return registry().digest(reference, auth).orElse(null);
  }

  /**
   * A reference untags; an ID removes the image with all its names ({@link Images#removeImage}).
   */
  @Override
  public void remove(String referenceOrId) {
    LOG.info("remove {}", referenceOrId);
    if (ImageReference.looksLikeId(referenceOrId)) {
      engine.images().removeImage(referenceOrId);
    } else {
      engine.images().remove(referenceOrId, false, false);
    }
  }

  @Override
  public Optional<String> registryDigest(ImageReference reference, AuthConfig auth) {
    return registry().digest(reference, auth);
  }

  @Override
  public Optional<String> registryImageId(ImageReference reference, AuthConfig auth) {
    return registry().configDigest(reference, auth);
  }
}
