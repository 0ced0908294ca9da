package dev.imagespec.reconcile;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.reconcile.SpecEntries.Entry;
import dev.imagespec.reconcile.SpecEntries.PushRef;
import dev.imagespec.spec.Ensure;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Planner step 2: entries that contradict each other. A reference Present in one entry and Absent
 * in another, a reference declared for two different images, or an Absent reference whose removal
 * would delete an image a Present entry resolves to. Every entry involved keeps the first conflict
 * found for it.
 */
final class Conflicts {
  private final Map<Entry, String> conflicts = new HashMap<>();

  Conflicts(SpecEntries specs, LocalIndex index) {
    List<Entry> entries = specs.entries();
    byReference(entries);
    byImageId(entries, index);
  }

  /** The conflict of an entry, or null. */
  String of(Entry e) {
    return conflicts.get(e);
  }

  /** Valid and without conflict: the entry is planned. */
  boolean clear(Entry e) {
    return e.valid() && !conflicts.containsKey(e);
  }

  private void mark(Entry e, String msg) {
    conflicts.putIfAbsent(e, msg);
  }

  private record Decl(Entry entry, String field, String source) {
    String describe() {
      return entry.spec.key + " " + field;
    }
  }

  private void byReference(List<Entry> entries) {
    Map<String, List<Decl>> decls = new LinkedHashMap<>();
    for (Entry e : entries) {
      if (!e.valid()) {
        continue;
      }
      String base = "spec.images[" + e.index + "]";
      add(decls, e.canonical, new Decl(e, base + ".image", e.canonical));
      if (e.ensure == Ensure.Present) {
        for (int k = 0; k < e.tags.size(); k++) {
          add(
              decls,
              e.tags.get(k).canonical(),
              new Decl(e, base + ".tags[" + k + "]", e.canonical));
        }
        for (PushRef p : e.pushes) {
          String toC = p.to().canonical();
          if (e.tags.stream().noneMatch(t -> t.canonical().equals(toC))) {
            add(decls, toC, new Decl(e, base + ".pushes[" + p.index() + "].to", e.canonical));
          }
        }
      }
    }
    for (Map.Entry<String, List<Decl>> d : decls.entrySet()) {
      String ref = d.getKey();
      List<Decl> all = d.getValue();
      List<Decl> present = all.stream().filter(x -> x.entry.ensure == Ensure.Present).toList();
      List<Decl> absent = all.stream().filter(x -> x.entry.ensure == Ensure.Absent).toList();
      if (!present.isEmpty() && !absent.isEmpty()) {
        String msg =
            "'"
                + ref
                + "' is Present in "
                + describe(present)
                + " but Absent in "
                + describe(absent);
        all.forEach(x -> mark(x.entry, msg));
        continue;
      }
      Set<String> sources = present.stream().map(Decl::source).collect(Collectors.toSet());
      if (sources.size() > 1) {
        String msg =
            "'"
                + ref
                + "' is declared for different images: "
                + present.stream()
                    .map(x -> x.describe() + (x.source.equals(ref) ? "" : " (as " + x.source + ")"))
                    .collect(Collectors.joining(", "));
        present.forEach(x -> mark(x.entry, msg));
      }
    }
  }

  private static void add(Map<String, List<Decl>> decls, String ref, Decl d) {
    decls.computeIfAbsent(ref, k -> new ArrayList<>()).add(d);
  }

  private static String describe(List<Decl> decls) {
    return decls.stream().map(Decl::describe).collect(Collectors.joining(", "));
  }

  /** An Absent reference whose removal would delete an image that a Present entry resolves to. */
  private void byImageId(List<Entry> entries, LocalIndex index) {
    Map<String, List<Entry>> presentById = new HashMap<>();
    for (Entry e : entries) {
      if (clear(e) && e.ensure == Ensure.Present) {
        LocalImage local = index.find(e.ref);
        if (local != null && local.id() != null) {
          presentById.computeIfAbsent(Ids.norm(local.id()), k -> new ArrayList<>()).add(e);
        }
      }
    }
    for (Entry e : entries) {
      if (!clear(e) || e.ensure != Ensure.Absent) {
        continue;
      }
      LocalImage local = index.find(e.ref);
      if (local == null || local.id() == null || !wouldDelete(e.ref, local)) {
        continue;
      }
      List<Entry> users = presentById.getOrDefault(Ids.norm(local.id()), List.of());
      if (users.isEmpty()) {
        continue;
      }
      String msg =
          "removing '"
              + e.canonical
              + "' ("
              + e.where()
              + ") would delete image "
              + Ids.shortId(local.id())
              + ", which "
              + users.stream()
                  .map(u -> u.where() + " (" + u.canonical + ")")
                  .collect(Collectors.joining(", "))
              + " needs Present";
      mark(e, msg);
      users.forEach(u -> mark(u, msg));
    }
  }

  /** Whether removing {@code ref} deletes the image rather than only untagging it. */
  static boolean wouldDelete(ImageReference ref, LocalImage local) {
    List<ImageReference> tags = LocalIndex.tags(local);
    if (ref.hasDigest()) {
      String self = ref.repository() + "@" + ref.digest().get();
      return tags.isEmpty() && LocalIndex.allDigests(local).stream().allMatch(d -> d.equals(self));
    }
    String self = ref.withDefaultTag().canonical();
    return tags.stream().allMatch(t -> t.canonical().equals(self));
  }
}
