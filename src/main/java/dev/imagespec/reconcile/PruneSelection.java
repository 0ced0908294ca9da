package dev.imagespec.reconcile;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.reconcile.SpecEntries.Entry;
import dev.imagespec.reconcile.SpecEntries.Spec;
import dev.imagespec.spec.GoDuration;
import dev.imagespec.spec.LabelFilter;
import dev.imagespec.spec.PruneSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Planner step 7: the images each selected spec's {@code prune} removes. Never an image a spec
 * declares (whatever its ensure) or a container uses; an image two prunes select is attributed to
 * the first spec.
 */
final class PruneSelection {
  private final SpecEntries specs;
  private final LocalIndex index;
  private final List<ContainerRef> containers;
  private final Instant now;
  private final Set<String> claimed = new HashSet<>();
  private Set<String> protectedIds;

  PruneSelection(SpecEntries specs, LocalIndex index, List<ContainerRef> containers, Instant now) {
    this.specs = specs;
    this.index = index;
    this.containers = containers;
    this.now = now;
  }

  /** The prune of one spec (call in spec order), or null when it has no {@code prune} section. */
  Draft of(Spec c, ActionBook book) {
    PruneSpec p = c.prune();
    if (p == null) {
      return null;
    }
    Draft d = new Draft();
    if (!c.pruneSelected) {
      return d;
    }
    if (containers == null) {
      d.message = "not run: the container list is unavailable";
      return d;
    }
    Duration olderThan;
    List<LabelFilter> filters = new ArrayList<>();
    try {
      olderThan = GoDuration.parseOrNull(p.getOlderThan());
      for (String l : p.labelsOrEmpty()) {
        filters.add(LabelFilter.parse(l));
      }
    } catch (IllegalArgumentException ex) {
      d.message = "not run: " + ErrorMessages.of(ex);
      return d;
    }
    d.run = true;
    Set<String> keep = protectedIds();
    boolean dangling = p.danglingOrDefault();
    Instant cutoff = olderThan == null ? null : now.minus(olderThan);
    for (LocalImage img : index.images()) {
      if (img.id() == null) {
        continue;
      }
      String id = Ids.norm(img.id());
      if (keep.contains(id) || claimed.contains(id)) {
        continue;
      }
      boolean isDangling = LocalIndex.isDangling(img);
      if (dangling && !isDangling) {
        continue;
      }
      if (cutoff != null && (img.created() == null || !img.created().isBefore(cutoff))) {
        continue;
      }
      if (!filters.stream().allMatch(f -> f.matches(img.labels()))) {
        continue;
      }
      claimed.add(id);
      List<String> tags = img.repoTags().stream().filter(t -> !t.startsWith("<none>")).toList();
      String reason =
          (isDangling ? "dangling" : "unused")
              + ", "
              + ByteSizes.format(img.size())
              + (tags.isEmpty() ? "" : ", " + String.join(" ", tags))
              + (img.created() == null ? "" : ", created " + img.created());
      String key =
          book.register(
              new PlannedAction(
                  c.key,
                  ActionKind.PRUNE,
                  img.id(),
                  null,
                  reason,
                  List.of(),
                  new PlannedAction.Details(null, null, null, img.id(), img.size(), tags)));
      book.prune(key);
      d.keys.add(key);
    }
    return d;
  }

  /**
   * IDs of images no prune may touch: every reference any spec declares (images, tags, push
   * targets, whatever their ensure, even in an entry that is otherwise invalid), and every image a
   * container uses.
   */
  private Set<String> protectedIds() {
    if (protectedIds != null) {
      return protectedIds;
    }
    Set<String> ids = new HashSet<>();
    for (Entry e : specs.entries()) {
      for (String declared : DeclaredReferences.of(e.e)) {
        ImageReference r = LocalIndex.parse(declared);
        if (r != null) {
          addId(ids, index.find(r));
        }
      }
    }
    for (ContainerRef c : containers) {
      if (c.imageId() != null) {
        ids.add(Ids.norm(c.imageId()));
      }
      // a container created from a reference whose image ID the engine did not report
      ImageReference r = LocalIndex.parse(c.image());
      if (r != null) {
        addId(ids, index.find(r));
      }
    }
    protectedIds = ids;
    return ids;
  }

  private static void addId(Set<String> ids, LocalImage img) {
    if (img != null && img.id() != null) {
      ids.add(Ids.norm(img.id()));
    }
  }

  /** The prune of one spec, with the keys of its actions. */
  static final class Draft {
    boolean run;
    String message;
    final List<String> keys = new ArrayList<>();

    PrunePlan toPlan(ActionBook book) {
      return new PrunePlan(run, keys.stream().map(book::get).toList(), message);
    }
  }
}
