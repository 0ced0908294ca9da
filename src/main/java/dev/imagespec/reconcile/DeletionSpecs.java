package dev.imagespec.reconcile;

import dev.imagespec.spec.DeletionPolicy;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.ArrayList;
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
    Set<String> refs = DeclaredReferences.present(List.of(spec));
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
}
