package dev.imagespec.reconcile;

import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.SpecKey;
import java.util.List;

/**
 * The plan of one spec: a verdict per image and per push target, and its prune.
 *
 * @param key the spec
 * @param spec the spec object
 * @param previous its previous status, or null
 * @param images one per {@code spec.images} entry, in order
 * @param pushes one per push target, in order
 * @param prune the prune of this pass, or null when the spec has no {@code prune} section
 */
public record SpecPlan(
    SpecKey key,
    ImageSpec spec,
    ImageSpecStatus previous,
    List<ImagePlan> images,
    List<PushPlan> pushes,
    PrunePlan prune) {
  public SpecPlan {
    images = List.copyOf(images);
    pushes = List.copyOf(pushes);
  }
}
