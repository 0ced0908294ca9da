package dev.imagespec.reconcile;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.spec.Ensure;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.PruneSpec;
import dev.imagespec.spec.PullPolicy;
import dev.imagespec.spec.PushStatus;
import dev.imagespec.spec.PushTarget;
import dev.imagespec.spec.SpecKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Planner step 1: the specs of a pass, sorted by key, with every {@code spec.images} entry parsed
 * (image, tags and push targets as canonical references, or why the entry is invalid) and the
 * previous status each entry continues from.
 */
final class SpecEntries {
  private final List<Spec> specs = new ArrayList<>();

  SpecEntries(PlanInput in) {
    List<ImageSpec> sorted = new ArrayList<>(in.specs());
    sorted.sort(Comparator.comparing(SpecKey::of));
    for (ImageSpec s : sorted) {
      specs.add(new Spec(s, in));
    }
  }

  List<Spec> specs() {
    return specs;
  }

  /** Every entry of every spec, in spec order then entry order. */
  List<Entry> entries() {
    List<Entry> out = new ArrayList<>();
    specs.forEach(s -> out.addAll(s.entries));
    return out;
  }

  static Instant instant(String text) {
    return dev.imagespec.spec.Conditions.parseTime(text);
  }

  static String canonicalOf(String text) {
    ImageReference r = LocalIndex.parse(text);
    return r == null ? null : r.withDefaultTag().canonical();
  }

  /** One spec of the pass. */
  static final class Spec {
    final SpecKey key;
    final ImageSpec spec;
    final ImageSpecStatus prev;
    final Duration refresh;
    final List<Entry> entries = new ArrayList<>();
    final boolean pruneSelected;
    private final Map<String, ImageStatus> prevImages = new HashMap<>();
    private final Map<String, PushStatus> prevPushes = new HashMap<>();

    private Spec(ImageSpec spec, PlanInput in) {
      this.key = SpecKey.of(spec);
      this.spec = spec;
      this.prev = in.previousOf(spec);
      ImageSpecSpec s = spec.getSpec();
      this.refresh = WakeSchedule.refreshInterval(s, in.defaultRefreshInterval());
      this.pruneSelected =
          s != null && s.getPrune() != null && (in.pruneAll() || in.pruneNow().contains(key));
      if (prev != null && prev.getImages() != null) {
        for (ImageStatus st : prev.getImages()) {
          String c = st == null ? null : canonicalOf(st.getImage());
          if (c != null) {
            prevImages.putIfAbsent(c, st);
          }
        }
      }
      if (prev != null && prev.getPushes() != null) {
        for (PushStatus st : prev.getPushes()) {
          String c = st == null ? null : canonicalOf(st.getImage());
          String t = st == null ? null : canonicalOf(st.getTo());
          if (c != null && t != null) {
            prevPushes.putIfAbsent(c + " " + t, st);
          }
        }
      }
      List<ImageEntry> list = s == null ? List.of() : s.imagesOrEmpty();
      for (int i = 0; i < list.size(); i++) {
        entries.add(new Entry(this, i, list.get(i)));
      }
    }

    List<String> pullSecrets() {
      return spec.getSpec() == null ? List.of() : spec.getSpec().pullSecretsOrEmpty();
    }

    /** The spec's {@code prune} section, or null. */
    PruneSpec prune() {
      return spec.getSpec() == null ? null : spec.getSpec().getPrune();
    }

    /** The previous status of a push of {@code image} to {@code to} (both canonical), or null. */
    PushStatus prevPush(String image, String to) {
      return prevPushes.get(image + " " + to);
    }
  }

  /** A push target of a valid entry. */
  record PushRef(int index, PushTarget target, ImageReference to) {}

  /** One {@code spec.images} entry; invalid ones have no references but say why. */
  static final class Entry {
    final Spec spec;
    final int index;
    final ImageEntry e;
    final Ensure ensure;
    final PullPolicy policy;
    final ImageReference ref;
    final String canonical;
    final String invalid;
    final List<ImageReference> tags;
    final List<PushRef> pushes;

    /** The entry's pull deadline ({@code pullTimeout}, else the spec's), null for the default. */
    final Duration pullTimeout;

    private Entry(Spec spec, int index, ImageEntry raw) {
      this.spec = spec;
      this.index = index;
      this.e = raw == null ? new ImageEntry() : raw;
      ImageSpecSpec specSpec = spec.spec.getSpec();
      Duration own = positive(e.getPullTimeout());
      this.pullTimeout =
          own != null ? own : specSpec == null ? null : positive(specSpec.getPullTimeout());
      this.ensure = e.ensureOrDefault();
      this.policy = e.effectivePullPolicy(spec.spec.getSpec());
      ImageReference r = null;
      String why = null;
      List<ImageReference> ts = new ArrayList<>();
      List<PushRef> ps = new ArrayList<>();
      try {
        r = parse(e, ts, ps);
      } catch (RuntimeException ex) {
        why = ErrorMessages.of(ex);
        r = null;
        ts.clear();
        ps.clear();
      }
      this.ref = r;
      this.canonical = r == null ? null : r.canonical();
      this.invalid = why;
      this.tags = List.copyOf(ts);
      this.pushes = List.copyOf(ps);
    }

    /** A positive Go duration, else null (validation reports bad ones before a pass). */
    private static Duration positive(String text) {
      if (text == null) {
        return null;
      }
      try {
        Duration d = dev.imagespec.spec.GoDuration.parse(text);
        return d.isNegative() || d.isZero() ? null : d;
      } catch (IllegalArgumentException ex) {
        return null;
      }
    }

    private static ImageReference parse(
        ImageEntry e, List<ImageReference> tags, List<PushRef> pushes) {
      if (e.getImage() == null || e.getImage().isBlank()) {
        throw new IllegalArgumentException("image is required");
      }
      ImageReference ref = ImageReference.parse(e.getImage()).withDefaultTag();
      for (String t : e.tagsOrEmpty()) {
        ImageReference r = ImageReference.parse(t).withDefaultTag();
        if (r.hasDigest()) {
          throw new IllegalArgumentException("tag '" + t + "' must not have a digest");
        }
        tags.add(r);
      }
      List<PushTarget> ps = e.pushesOrEmpty();
      for (int k = 0; k < ps.size(); k++) {
        PushTarget p = ps.get(k);
        if (p == null || p.getTo() == null) {
          throw new IllegalArgumentException("push target " + k + " has no 'to'");
        }
        ImageReference r = ImageReference.parse(p.getTo()).withDefaultTag();
        if (r.hasDigest()) {
          throw new IllegalArgumentException(
              "push target '" + p.getTo() + "' must not have a digest");
        }
        pushes.add(new PushRef(k, p, r));
      }
      return ref;
    }

    boolean valid() {
      return invalid == null;
    }

    /** {@code <spec key> spec.images[<index>]}, for messages. */
    String where() {
      return spec.key + " spec.images[" + index + "]";
    }

    Instant prevLastChecked() {
      ImageStatus st = canonical == null ? null : spec.prevImages.get(canonical);
      return st == null ? null : instant(st.getLastChecked());
    }
  }
}
