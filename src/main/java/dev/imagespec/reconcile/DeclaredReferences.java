package dev.imagespec.reconcile;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.spec.Ensure;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.PushTarget;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The one walk over the references a spec declares: each entry's {@code image}, its {@code tags}
 * and its push targets' {@code to}. Used by the prune (declared images are protected), the removal
 * spec of {@code deletionPolicy: Remove} and the agent's deletion pass.
 */
public final class DeclaredReferences {
  private DeclaredReferences() {}

  /** The image, tags and push targets of an entry as written, in that order; nulls left out. */
  public static List<String> of(ImageEntry e) {
    List<String> out = new ArrayList<>();
    if (e == null) {
      return out;
    }
    if (e.getImage() != null) {
      out.add(e.getImage());
    }
    for (String t : e.tagsOrEmpty()) {
      if (t != null) {
        out.add(t);
      }
    }
    for (PushTarget p : e.pushesOrEmpty()) {
      if (p != null && p.getTo() != null) {
        out.add(p.getTo());
      }
    }
    return out;
  }

  /**
   * Canonical forms ({@code docker.io/library/x:latest}) of every reference the specs declare
   * Present, in declaration order; references that do not parse are left out.
   */
  public static Set<String> present(Collection<ImageSpec> specs) {
    Set<String> out = new LinkedHashSet<>();
    for (ImageSpec s : specs) {
      if (s == null || s.getSpec() == null) {
        continue;
      }
      for (ImageEntry e : s.getSpec().imagesOrEmpty()) {
        if (e == null || e.ensureOrDefault() != Ensure.Present) {
          continue;
        }
        for (String r : of(e)) {
          String c = canonical(r);
          if (c != null) {
            out.add(c);
          }
        }
      }
    }
    return out;
  }

  /** The canonical form of a reference, or null when it does not parse. */
  static String canonical(String text) {
    ImageReference r = LocalIndex.parse(text);
    return r == null ? null : r.withDefaultTag().canonical();
  }
}
