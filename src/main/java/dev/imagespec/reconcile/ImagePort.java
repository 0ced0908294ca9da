package dev.imagespec.reconcile;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.ImageReference;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The narrow port through which the reconciler reaches an image store. The Docker/Podman engine
 * client implements it ({@link EngineImagePort}); a CRI backend (containerd, CRI-O) can later.
 *
 * <p>Methods throw {@link dev.imagespec.engine.EngineException} subclasses: {@code
 * ImageNotFoundException}, {@code ApiException} (with HTTP status), {@code StreamException} (an
 * error in a 200 progress stream), {@code EngineUnavailableException} (socket absent, connection
 * refused/reset).
 */
public interface ImagePort {

  /** A short description of the engine, e.g. {@code docker 20.10.24}. */
  String describe();

  /** Every image in the store (one engine call). */
  List<LocalImage> listImages();

  /** Every container, running or not (one engine call). Only needed for remove and prune. */
  List<ContainerRef> listContainers();

  /** The image named by a reference or ID, empty when absent. */
  Optional<LocalImage> inspect(String referenceOrId);

  /** Pulls one reference (tag or digest); returns the pulled image. */
  LocalImage pull(ImageReference reference, String platform, AuthConfig auth);

  /**
   * {@link #pull(ImageReference, String, AuthConfig)}, telling {@code progress} (may be null) how
   * it goes when the store reports progress (by default it does not).
   */
  default LocalImage pull(
      ImageReference reference,
      String platform,
      AuthConfig auth,
      Consumer<TransferProgress> progress) {
    return pull(reference, platform, auth);
  }

  /** Adds the tag {@code target} to the image named by {@code sourceReferenceOrId} (force). */
  void tag(String sourceReferenceOrId, ImageReference target);

  /** Pushes {@code reference}; returns the manifest digest the registry now holds for it. */
  String push(ImageReference reference, AuthConfig auth);

  /**
   * {@link #push(ImageReference, AuthConfig)}, telling {@code progress} (may be null) how it goes
   * when the store reports progress (by default it does not).
   */
  default String push(
      ImageReference reference, AuthConfig auth, Consumer<TransferProgress> progress) {
    return push(reference, auth);
  }

  /**
   * Removes one reference or ID, never forced: an image used by a container fails. An ID removes
   * the image with every name it has.
   */
  void remove(String referenceOrId);

  /**
   * The digest the registry currently serves for {@code reference} (the manifest or index digest a
   * pull by tag resolves to), empty when the registry has no such tag.
   */
  Optional<String> registryDigest(ImageReference reference, AuthConfig auth);

  /**
   * The image ID (config digest) of what the registry serves for {@code reference}, empty when
   * unknown (no such tag, a multi-platform index, or a store that cannot tell). Lets a push be
   * skipped when the registry holds the same image under another manifest digest (another
   * compression).
   */
  default Optional<String> registryImageId(ImageReference reference, AuthConfig auth) {
    return Optional.empty();
  }
}
