package dev.imagespec.reconcile;

import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.SpecKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the {@link Planner} looks at. Pure data: the planner never calls anything.
 *
 * @param specs the ImageSpecs of this pass
 * @param images the engine's image list
 * @param containers the engine's container list, or null when it was not listed (only needed when
 *     {@link Planner#needsContainers} says so)
 * @param previous previous status per spec; a spec missing here falls back to its own {@code
 *     getStatus()}
 * @param registry answers to the {@link Planner#registryChecks registry checks}, by {@link
 *     RegistryCheck#key()}
 * @param pruneNow specs whose prune runs in this pass
 * @param pruneAll prune every spec that has a {@code prune} section
 * @param now the time of the pass
 * @param defaultRefreshInterval refresh interval of specs that set none
 * @param identities each spec's credential identity per registry; null when every image counts as
 *     readable by every spec (no access checks: one tenant)
 * @param proofs access already shown ({@link AccessProofs}), read only; null for none
 * @param pullHolds missing images not to pull in this pass; null for none
 */
public record PlanInput(
    List<ImageSpec> specs,
    List<LocalImage> images,
    List<ContainerRef> containers,
    Map<SpecKey, ImageSpecStatus> previous,
    Map<String, RegistryAnswer> registry,
    Set<SpecKey> pruneNow,
    boolean pruneAll,
    Instant now,
    Duration defaultRefreshInterval,
    CredentialIdentities identities,
    AccessProofs proofs,
    PullHolds pullHolds) {

  public PlanInput {
    specs = specs == null ? List.of() : List.copyOf(specs);
    images = images == null ? List.of() : List.copyOf(images);
    containers = containers == null ? null : List.copyOf(containers);
    previous = previous == null ? Map.of() : Map.copyOf(previous);
    registry = registry == null ? Map.of() : Map.copyOf(registry);
    pruneNow = pruneNow == null ? Set.of() : Set.copyOf(pruneNow);
    defaultRefreshInterval =
        defaultRefreshInterval == null
            ? ImageSpecSpec.DEFAULT_REFRESH_INTERVAL
            : defaultRefreshInterval;
    proofs = proofs == null ? new AccessProofs() : proofs;
    pullHolds = pullHolds == null ? PullHolds.none() : pullHolds;
  }

  /** Without access checks. */
  public PlanInput(
      List<ImageSpec> specs,
      List<LocalImage> images,
      List<ContainerRef> containers,
      Map<SpecKey, ImageSpecStatus> previous,
      Map<String, RegistryAnswer> registry,
      Set<SpecKey> pruneNow,
      boolean pruneAll,
      Instant now,
      Duration defaultRefreshInterval) {
    this(
        specs,
        images,
        containers,
        previous,
        registry,
        pruneNow,
        pruneAll,
        now,
        defaultRefreshInterval,
        null,
        null,
        null);
  }

  /** Specs and images at {@code now}; no containers, previous status, registry answers or prune. */
  public static PlanInput of(List<ImageSpec> specs, List<LocalImage> images, Instant now) {
    return new PlanInput(specs, images, null, null, null, null, false, now, null);
  }

  public PlanInput withContainers(List<ContainerRef> list) {
    return new PlanInput(
        specs,
        images,
        list,
        previous,
        registry,
        pruneNow,
        pruneAll,
        now,
        defaultRefreshInterval,
        identities,
        proofs,
        pullHolds);
  }

  public PlanInput withPrevious(Map<SpecKey, ImageSpecStatus> map) {
    return new PlanInput(
        specs,
        images,
        containers,
        map,
        registry,
        pruneNow,
        pruneAll,
        now,
        defaultRefreshInterval,
        identities,
        proofs,
        pullHolds);
  }

  public PlanInput withRegistry(Map<String, RegistryAnswer> answers) {
    return new PlanInput(
        specs,
        images,
        containers,
        previous,
        answers,
        pruneNow,
        pruneAll,
        now,
        defaultRefreshInterval,
        identities,
        proofs,
        pullHolds);
  }

  public PlanInput withPruneNow(Set<SpecKey> keys) {
    return new PlanInput(
        specs,
        images,
        containers,
        previous,
        registry,
        keys,
        pruneAll,
        now,
        defaultRefreshInterval,
        identities,
        proofs,
        pullHolds);
  }

  public PlanInput withPruneAll(boolean all) {
    return new PlanInput(
        specs,
        images,
        containers,
        previous,
        registry,
        pruneNow,
        all,
        now,
        defaultRefreshInterval,
        identities,
        proofs,
        pullHolds);
  }

  public PlanInput withDefaultRefreshInterval(Duration d) {
    return new PlanInput(
        specs,
        images,
        containers,
        previous,
        registry,
        pruneNow,
        pruneAll,
        now,
        d,
        identities,
        proofs,
        pullHolds);
  }

  /** With access checks: each spec's identity from {@code ids}, proofs already held. */
  public PlanInput withAccess(CredentialIdentities ids, AccessProofs held) {
    return new PlanInput(
        specs,
        images,
        containers,
        previous,
        registry,
        pruneNow,
        pruneAll,
        now,
        defaultRefreshInterval,
        ids,
        held,
        pullHolds);
  }

  /** With {@code holds} on pulling missing images. */
  public PlanInput withPullHolds(PullHolds holds) {
    return new PlanInput(
        specs,
        images,
        containers,
        previous,
        registry,
        pruneNow,
        pruneAll,
        now,
        defaultRefreshInterval,
        identities,
        proofs,
        holds);
  }

  /** The previous status of a spec: from {@link #previous()}, else the spec's own status. */
  public ImageSpecStatus previousOf(ImageSpec spec) {
    ImageSpecStatus s = previous.get(SpecKey.of(spec));
    return s != null ? s : spec.getStatus();
  }
}
