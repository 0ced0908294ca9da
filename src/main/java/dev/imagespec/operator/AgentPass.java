package dev.imagespec.operator;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.InvalidArgumentException;
import dev.imagespec.reconcile.DeclaredReferences;
import dev.imagespec.reconcile.DeletionSpecs;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.DeletionPolicy;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageNodeStatus;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.SpecKey;
import dev.imagespec.spec.SpecValidator;
import dev.imagespec.spec.Violation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one agent pass works on, from the ImageSpecs that select the node: the live specs it
 * applies, the ones the validator rejects, the deleted ones whose images it removes, and each
 * spec's previous status as this node reported it.
 */
final class AgentPass {
  final List<ImageSpec> live = new ArrayList<>();
  final List<ImageSpec> planned = new ArrayList<>();

  /** Deleted specs whose images this node removes: key -> the original spec. */
  final Map<SpecKey, ImageSpec> removing = new LinkedHashMap<>();

  /** Deleted specs with nothing left to remove here. */
  final List<ImageSpec> removedAlready = new ArrayList<>();

  final Map<SpecKey, ImageSpecStatus> previous = new HashMap<>();
  final Map<SpecKey, ImageSpec> byKey = new HashMap<>();

  /** Live specs the validator rejects (not planned), with why. */
  final Map<ImageSpec, String> invalid = new LinkedHashMap<>();

  /**
   * Specs gone before this node reported them ({@link ReleasedSpecs}) whose images this pass
   * removes (planned, not reported), and those with nothing left to remove.
   */
  final List<ImageSpec> released = new ArrayList<>();

  final List<ImageSpec> releasedAlready = new ArrayList<>();

  static io.fabric8.kubernetes.api.model.LabelSelector selector(ImageSpec s) {
    return s.getSpec() == null ? null : s.getSpec().getNodeSelector();
  }

  static AgentPass plan(ImageNode primary, List<ImageSpec> matching) {
    return plan(primary, matching, List.of());
  }

  /**
   * The pass over {@code matching}, also removing the images of {@code released} specs (gone from
   * the cluster; see {@link ReleasedSpecs}) that no live spec declares.
   */
  static AgentPass plan(ImageNode primary, List<ImageSpec> matching, List<ImageSpec> released) {
    AgentPass pass = new AgentPass();
    List<ImageSpec> deleting = new ArrayList<>();
    for (ImageSpec s : matching) {
      if (s.getMetadata().getDeletionTimestamp() == null) {
        // what `imagespec apply` rejects before doing anything (duplicates, digests, ...)
        List<Violation> violations = SpecValidator.validate(s);
        if (violations.isEmpty()) {
          pass.live.add(s);
        } else {
          pass.invalid.put(
              s,
              Conditions.shorten(
                  violations.stream().map(Violation::toString).collect(Collectors.joining("; ")),
                  1024));
        }
      } else if (s.getSpec().deletionPolicyOrDefault() == DeletionPolicy.Remove
          && s.getMetadata().getFinalizers() != null
          && s.getMetadata().getFinalizers().contains(AggregatorReconciler.FINALIZER)) {
        deleting.add(s);
      }
    }
    ImageNodeStatus st = primary.getStatus();
    for (ImageSpec s : matching) {
      SpecKey key = SpecKey.of(s);
      pass.byKey.put(key, s);
      if (st != null) {
        st.spec(key.namespace(), key.name())
            .filter(e -> e.getUid() == null || e.getUid().equals(s.getMetadata().getUid()))
            .ifPresent(e -> pass.previous.put(key, e.toSpecStatus()));
      }
    }
    // the aggregator copies pushes once for the cluster, registry to registry: agents never push
    pass.live.forEach(s -> pass.planned.add(withoutPushes(s)));
    Set<String> wanted = declaredPresent(pass.live);
    for (ImageSpec s : deleting) {
      Optional<ImageSpec> removal = DeletionSpecs.removalSpec(s).map(r -> without(r, wanted));
      if (removal.isPresent()) {
        pass.planned.add(removal.get());
        pass.removing.put(SpecKey.of(s), s);
      } else {
        pass.removedAlready.add(s);
      }
    }
    Set<SpecKey> keys = pass.byKey.keySet();
    for (ImageSpec s : released) {
      if (keys.contains(SpecKey.of(s))) {
        continue; // a spec of the same name selects the node now: wait for it to go
      }
      Optional<ImageSpec> removal = DeletionSpecs.removalSpec(s).map(r -> without(r, wanted));
      if (removal.isPresent()) {
        pass.planned.add(removal.get());
        pass.released.add(s);
      } else {
        pass.releasedAlready.add(s);
      }
    }
    return pass;
  }

  /** {@code spec} with no {@code pushes} (the same object when it has none). */
  static ImageSpec withoutPushes(ImageSpec spec) {
    List<ImageEntry> entries = spec.getSpec().imagesOrEmpty();
    if (entries.stream().noneMatch(e -> e != null && !e.pushesOrEmpty().isEmpty())) {
      return spec;
    }
    ImageSpecSpec copy = SPECS.convertValue(spec.getSpec(), ImageSpecSpec.class);
    copy.imagesOrEmpty().forEach(e -> e.setPushes(null));
    ImageSpec out = new ImageSpec();
    out.setMetadata(spec.getMetadata());
    out.setSpec(copy);
    out.setStatus(spec.getStatus());
    return out;
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper SPECS =
      new com.fasterxml.jackson.databind.ObjectMapper();

  /** Canonical references that live specs want Present (images, tags, push targets). */
  static Set<String> declaredPresent(List<ImageSpec> live) {
    return DeclaredReferences.present(live);
  }

  private static Optional<String> canonical(String ref) {
    try {
      return ref == null
          ? Optional.empty()
          : Optional.of(ImageReference.parse(ref).withDefaultTag().canonical());
    } catch (InvalidArgumentException e) {
      return Optional.empty();
    }
  }

  /** The removal spec without the references live specs still want; empty when none is left. */
  private static ImageSpec without(ImageSpec removal, Set<String> wanted) {
    List<ImageEntry> keep =
        removal.getSpec().imagesOrEmpty().stream()
            .filter(e -> canonical(e.getImage()).map(c -> !wanted.contains(c)).orElse(true))
            .toList();
    if (keep.isEmpty()) {
      return null;
    }
    ImageSpecSpec s = new ImageSpecSpec();
    s.setImages(new ArrayList<>(keep));
    return ImageSpec.of(
        removal.getMetadata().getNamespace(),
        removal.getMetadata().getName(),
        s); // generation is not needed: the entry's observedGeneration comes from the original
  }
}
