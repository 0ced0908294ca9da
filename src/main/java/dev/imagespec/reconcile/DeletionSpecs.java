package dev.imagespec.reconcile;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.spec.DeletionPolicy;
import dev.imagespec.spec.Ensure;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.PushTarget;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** What to do when an ImageSpec is deleted ({@code deletionPolicy}). */
public final class DeletionSpecs {
  private DeletionSpecs() {}

  /**
   * For {@code deletionPolicy: Remove}: a copy of the spec (same name) where every reference it
   * declared Present (images, tags, local push tags) is Absent. Reconcile it together with the
   * remaining specs: a reference another spec still wants Present becomes a Conflict and is kept.
   * Empty for {@code Retain}.
   */
  public static Optional<ImageSpec> removalSpec(ImageSpec spec) {
    ImageSpecSpec s = spec.getSpec();
    if (s == null || s.deletionPolicyOrDefault() != DeletionPolicy.Remove) {
      return Optional.empty();
    }
    Set<String> refs = new LinkedHashSet<>();
    for (ImageEntry e : s.imagesOrEmpty()) {
      if (e == null || e.ensureOrDefault() != Ensure.Present) {
        continue;
      }
      add(refs, e.getImage());
      e.tagsOrEmpty().forEach(t -> add(refs, t));
      for (PushTarget p : e.pushesOrEmpty()) {
        if (p != null) {
          add(refs, p.getTo());
        }
      }
    }
    if (refs.isEmpty()) {
      return Optional.empty();
    }
    List<ImageEntry> entries = new ArrayList<>();
    refs.forEach(r -> entries.add(ImageEntry.absent(r)));
    ImageSpecSpec copy = new ImageSpecSpec();
    copy.setImages(entries);
    ImageSpec out = new ImageSpec();
    ObjectMeta meta = new ObjectMeta();
    if (spec.getMetadata() != null) {
      meta.setName(spec.getMetadata().getName());
      meta.setNamespace(spec.getMetadata().getNamespace());
      meta.setGeneration(spec.getMetadata().getGeneration());
    }
    out.setMetadata(meta);
    out.setSpec(copy);
    return Optional.of(out);
  }

  private static void add(Set<String> refs, String text) {
    ImageReference r = LocalIndex.parse(text);
    if (r != null) {
      refs.add(r.withDefaultTag().canonical());
    }
  }
}
