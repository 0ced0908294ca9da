package dev.imagespec.operator;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.InvalidArgumentException;
import dev.imagespec.reconcile.PullHolds;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.GoDuration;
import dev.imagespec.spec.ImageNodeStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.spec.SpecKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Declared images removed out of band (the kubelet's image GC, {@code docker rmi}, {@code crictl
 * rmi}), one agent pass's view: an image its previous ImageNode status showed {@code Present} (with
 * an ID) that the pass finds missing, and that this agent did not remove itself, was removed
 * externally. Each entry counts such removals ({@code removedExternally}, {@code
 * lastRemovedExternally}, carried from pass to pass in the status) and keeps those of the last hour
 * ({@code recentRemovals}). From {@value #THRESHOLD} removals within an hour on, re-pulling the
 * image is held back ({@link PullHolds}: its entries are {@code Failed}, reason {@code
 * GarbageCollected}) for 5m, 10m, 20m, ... at most 1h after its last removal, instead of a pull–GC
 * loop.
 *
 * <p>The planner asks {@link #hold} about exactly the declared images that are missing and would be
 * pulled: those questions are how a pass learns what is missing. Thread-safe; pure but for the
 * questions it records.
 */
final class ExternalRemovals implements PullHolds {
  static final int THRESHOLD = 3;
  static final Duration WINDOW = Duration.ofHours(1);
  static final Duration FIRST_BACKOFF = Duration.ofMinutes(5);
  static final Duration MAX_BACKOFF = Duration.ofHours(1);

  private final String nodeName;
  private final Instant now;

  /** Per canonical reference: every previous entry's removal times of the last hour, merged. */
  private final Map<String, TreeSet<Instant>> recent = new HashMap<>();

  /** Canonical references some previous entry showed Present with an ID. */
  private final Set<String> wasPresent = new java.util.HashSet<>();

  /** Found missing in this pass after being Present: removed externally just now. */
  private final Set<String> detected = ConcurrentHashMap.newKeySet();

  /** Holds given in this pass, by canonical reference, with when they end. */
  private final Map<String, Instant> heldUntil = new ConcurrentHashMap<>();

  /**
   * @param previous the ImageNode's status before this pass (null: none)
   * @param removedByAgent canonical references and image IDs this agent removed itself lately
   */
  ExternalRemovals(
      String nodeName, ImageNodeStatus previous, Set<String> removedByAgent, Instant now) {
    this.nodeName = nodeName;
    this.now = now.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    if (previous == null || previous.getSpecs() == null) {
      return;
    }
    for (NodeSpecStatus spec : previous.getSpecs()) {
      if (spec.getImages() == null) {
        continue;
      }
      for (ImageStatus img : spec.getImages()) {
        String c = canonical(img.getImage()).orElse(null);
        if (c == null) {
          continue;
        }
        recent.computeIfAbsent(c, k -> new TreeSet<>()).addAll(recentOf(img, this.now));
        if (img.getState() == ImageState.Present
            && img.getId() != null
            && !removedByAgent.contains(c)
            && !removedByAgent.contains(img.getId())) {
          wasPresent.add(c);
        }
      }
    }
  }

  @Override
  public Hold hold(String canonical, Set<SpecKey> specs, boolean missing) {
    if (!missing) {
      return null; // a moved digest, not a removal
    }
    TreeSet<Instant> times = new TreeSet<>(recent.getOrDefault(canonical, new TreeSet<>()));
    if (wasPresent.contains(canonical)) {
      detected.add(canonical);
      times.add(now);
    }
    if (times.size() < THRESHOLD) {
      return null;
    }
    Duration backoff = backoff(times.size());
    Instant until = times.last().plus(backoff);
    if (!now.isBefore(until)) {
      return null;
    }
    heldUntil.put(canonical, until);
    return new Hold(Reasons.GARBAGE_COLLECTED, message(canonical, times, until, backoff), true);
  }

  /** How long re-pulls wait after the last of {@code removals} removals within an hour. */
  static Duration backoff(int removals) {
    if (removals < THRESHOLD) {
      return Duration.ZERO;
    }
    int doublings = Math.min(removals - THRESHOLD, 10);
    Duration d = FIRST_BACKOFF.multipliedBy(1L << doublings);
    return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
  }

  private String message(String canonical, TreeSet<Instant> times, Instant until, Duration b) {
    return canonical
        + " was removed from node "
        + nodeName
        + " by something other than imagespec (the kubelet's image GC?) "
        + times.size()
        + " times within an hour, last at "
        + Conditions.time(times.last())
        + ": not pulled again before "
        + Conditions.time(until)
        + " (backoff "
        + GoDuration.format(b)
        + "). To keep it: set spec.pin (containerd >= 1.6.25 / 1.7.10, kubelet >= 1.28), raise"
        + " the kubelet's imageGCHighThresholdPercent, or free disk on the node";
  }

  /** Canonical references found removed externally in this pass. */
  Set<String> detected() {
    return Set.copyOf(detected);
  }

  /** When the hold on {@code canonical} ends, if this pass held it. */
  Optional<Instant> heldUntil(String canonical) {
    return Optional.ofNullable(heldUntil.get(canonical));
  }

  /** The time until the first hold of this pass ends, if any (when to look again). */
  Optional<Duration> nextWake() {
    return heldUntil.values().stream()
        .min(Comparator.naturalOrder())
        .map(t -> Duration.between(now, t).plusSeconds(1));
  }

  /**
   * Writes the counters into {@code status}'s image entries: carried from the entry's previous
   * status, plus one for an image this pass found removed that the entry showed Present.
   */
  void annotate(ImageNodeStatus status, ImageNodeStatus previous) {
    if (status.getSpecs() == null) {
      return;
    }
    for (NodeSpecStatus spec : status.getSpecs()) {
      if (spec.getImages() == null) {
        continue;
      }
      Map<String, ImageStatus> before = new HashMap<>();
      if (previous != null) {
        previous
            .spec(spec.getNamespace(), spec.getName())
            .filter(p -> p.getImages() != null)
            .ifPresent(p -> p.getImages().forEach(i -> before.putIfAbsent(i.getImage(), i)));
      }
      for (ImageStatus img : spec.getImages()) {
        ImageStatus prev = before.get(img.getImage());
        int count =
            prev == null || prev.getRemovedExternally() == null ? 0 : prev.getRemovedExternally();
        String last = prev == null ? null : prev.getLastRemovedExternally();
        TreeSet<Instant> times =
            prev == null ? new TreeSet<>() : new TreeSet<>(recentOf(prev, now));
        boolean removedNow =
            prev != null
                && prev.getState() == ImageState.Present
                && prev.getId() != null
                && canonical(img.getImage()).map(detected::contains).orElse(false);
        if (removedNow) {
          count++;
          last = Conditions.time(now);
          times.add(now);
        }
        while (times.size() > ImageStatus.MAX_RECENT_REMOVALS) {
          times.pollFirst();
        }
        img.setRemovedExternally(count == 0 ? null : count);
        img.setLastRemovedExternally(last);
        img.setRecentRemovals(
            times.isEmpty() ? null : times.stream().map(ExternalRemovals::time).toList());
      }
    }
  }

  /**
   * A removal time in {@code recentRemovals}: RFC 3339 to the millisecond, so two removals within
   * one second stay two (conditions' times are to the second).
   */
  static String time(Instant t) {
    return t.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString();
  }

  /** The entry's removal times within the last hour before {@code now}. */
  private static List<Instant> recentOf(ImageStatus img, Instant now) {
    List<Instant> out = new ArrayList<>();
    if (img.getRecentRemovals() == null) {
      return out;
    }
    for (String t : img.getRecentRemovals()) {
      Instant i = Conditions.parseTime(t); // null for a hand-edited status: it does not count
      if (i != null && i.isAfter(now.minus(WINDOW)) && !i.isAfter(now)) {
        out.add(i);
      }
    }
    return out;
  }

  static Optional<String> canonical(String ref) {
    try {
      return ref == null
          ? Optional.empty()
          : Optional.of(ImageReference.parse(ref).withDefaultTag().canonical());
    } catch (InvalidArgumentException e) {
      return Optional.empty();
    }
  }

  /** The spec entries (by key) whose images include {@code canonical}, in {@code status}. */
  static List<SpecKey> specsWith(ImageNodeStatus status, String canonical) {
    List<SpecKey> out = new ArrayList<>();
    if (status == null || status.getSpecs() == null) {
      return out;
    }
    for (NodeSpecStatus s : status.getSpecs()) {
      if (s.getImages() != null
          && s.getImages().stream()
              .anyMatch(i -> canonical(i.getImage()).map(canonical::equals).orElse(false))) {
        out.add(s.key());
      }
    }
    return out;
  }
}
