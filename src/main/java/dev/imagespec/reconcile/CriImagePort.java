package dev.imagespec.reconcile;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.cri.CriImage;
import dev.imagespec.engine.cri.CriRuntime;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconciler's port over a CRI runtime (containerd's {@code k8s.io} namespace, CRI-O): the
 * kubelet's image store. Registry digests come from the registry's v2 API, as on Docker. A pull's
 * {@code platform} is not honoured: CRI pulls the node's platform.
 */
public final class CriImagePort implements ImagePort {
  private static final Logger LOG = LoggerFactory.getLogger(CriImagePort.class);
  private final CriRuntime runtime;
  private final RegistryClient registry;

  public CriImagePort(CriRuntime runtime, RegistryClient registry) {
    this.runtime = runtime;
    this.registry = registry;
  }

  public CriImagePort(CriRuntime runtime) {
    this(runtime, RegistryClient.builder().build());
  }

  @Override
  public String describe() {
    return runtime.info().describe() + " (" + runtime.info().host() + ")";
  }

  /** IDs of the images the runtime pins (the sandbox image), from the last list. */
  private volatile List<String> pinned = List.of();

  @Override
  public List<LocalImage> listImages() {
    List<CriImage> images = runtime.list();
    pinned = images.stream().filter(CriImage::pinned).map(CriImage::id).toList();
    return images.stream().map(CriImagePort::toLocal).toList();
  }

  static LocalImage toLocal(CriImage i) {
    return new LocalImage(i.id(), i.repoTags(), i.repoDigests(), i.labels(), i.created(), i.size());
  }

  /**
   * Every container, plus one stand-in per pinned image ("the runtime (pinned image)"): the runtime
   * needs those (the pod sandbox image), so prune and {@code ensure: Absent} keep them as they keep
   * images in use.
   */
  @Override
  public List<ContainerRef> listContainers() {
    List<ContainerRef> out = new java.util.ArrayList<>();
    for (var c : runtime.containers()) {
      out.add(new ContainerRef(c.id(), c.name(), c.imageId(), c.image()));
    }
    for (String id : pinned) {
      out.add(new ContainerRef("pinned", "the runtime (pinned image)", id, id));
    }
    return out;
  }

  @Override
  public Optional<LocalImage> inspect(String referenceOrId) {
    return runtime.get(referenceOrId).map(CriImagePort::toLocal);
  }

  @Override
  public LocalImage pull(ImageReference reference, String platform, AuthConfig auth) {
    LOG.info("pull {}", reference);
    return toLocal(runtime.pull(reference.canonical(), auth));
  }

  @Override
  public void tag(String sourceReferenceOrId, ImageReference target) {
    LOG.info("tag {} as {}", sourceReferenceOrId, target);
    runtime.tag(sourceReferenceOrId, target.withDefaultTag().canonical());
  }

  @Override
  public String push(ImageReference reference, AuthConfig auth) {
    LOG.info("push {}", reference);
    return runtime.push(reference.withDefaultTag().canonical(), auth);
  }

  /**
   * A reference removes that one name; an ID removes the image with all its names. The image's last
   * tag removes the image, its digest names included, as on Docker: {@code ensure: Absent} of
   * {@code repo:tag} must not leave the image behind under {@code repo@sha256:...}.
   */
  @Override
  public void remove(String referenceOrId) {
    LOG.info("remove {}", referenceOrId);
    if (ImageReference.looksLikeId(referenceOrId)) {
      runtime.removeImage(referenceOrId);
      return;
    }
    String name = ImageReference.parse(referenceOrId).canonical();
    Optional<CriImage> image = runtime.get(name);
    if (image.isPresent() && isLastTag(image.get(), name)) {
      runtime.removeImage(image.get().id());
    } else {
      runtime.untag(name);
    }
  }

  /** {@code name} is the image's only tag (it may have digest names besides). */
  public static boolean isLastTag(CriImage image, String name) {
    return image.repoTags().size() == 1
        && ImageReference.parse(image.repoTags().get(0))
            .withDefaultTag()
            .canonical()
            .equals(ImageReference.parse(name).withDefaultTag().canonical());
  }

  @Override
  public Optional<String> registryDigest(ImageReference reference, AuthConfig auth) {
    return registry.digest(reference, auth);
  }

  @Override
  public Optional<String> registryImageId(ImageReference reference, AuthConfig auth) {
    return registry.configDigest(reference, auth);
  }
}
