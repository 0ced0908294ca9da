package dev.imagespec.reconcile;

import dev.imagespec.engine.ImageReference;
import dev.imagespec.spec.Ensure;
import dev.imagespec.spec.GoDuration;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.LabelFilter;
import dev.imagespec.spec.PruneSpec;
import dev.imagespec.spec.PullPolicy;
import dev.imagespec.spec.PushState;
import dev.imagespec.spec.PushStatus;
import dev.imagespec.spec.PushTarget;
import dev.imagespec.spec.SpecKey;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** One planner run over a {@link PlanInput}; see {@link Planner}. */
final class PlanBuilder {
  static final String CONFLICT = "Conflict";
  static final String PULL_FAILED = "PullFailed";
  static final String TAG_FAILED = "TagFailed";
  static final String PUSH_FAILED = "PushFailed";
  static final String REMOVE_FAILED = "RemoveFailed";
  static final String REGISTRY_CHECK_FAILED = "RegistryCheckFailed";
  static final String PRUNE_FAILED = "PruneFailed";
  static final String INVALID_SPEC = "InvalidSpec";

  private final PlanInput in;
  private final Instant now;
  private final LocalIndex index;
  private final List<SpecCtx> specs = new ArrayList<>();
  private final Map<String, Want> wants = new LinkedHashMap<>();
  private final Map<String, RegistryCheck> checks = new LinkedHashMap<>();
  private final Map<String, PlannedAction> actions = new HashMap<>();
  private final Map<String, Chain> chains = new LinkedHashMap<>();
  private final List<String> removes = new ArrayList<>();
  private final List<String> prunes = new ArrayList<>();

  PlanBuilder(PlanInput in) {
    this.in = in;
    this.now = in.now();
    this.index = new LocalIndex(in.images());
    List<ImageSpec> sorted = new ArrayList<>(in.specs());
    sorted.sort(Comparator.comparing(SpecKey::of));
    for (ImageSpec s : sorted) {
      specs.add(new SpecCtx(s));
    }
    detectConflicts();
    detectIdConflicts();
    for (SpecCtx c : specs) {
      for (Entry e : c.entries) {
        if (e.valid() && e.conflict == null && e.ensure == Ensure.Present) {
          wants.computeIfAbsent(e.canonical, k -> new Want(e.ref)).entries.add(e);
        }
      }
    }
    for (Want w : wants.values()) {
      decide(w);
    }
    for (SpecCtx c : specs) {
      for (Entry e : c.entries) {
        draft(e);
      }
    }
    for (SpecCtx c : specs) {
      planPrune(c);
    }
  }

  // ---------------------------------------------------------------- results

  List<RegistryCheck> registryChecks() {
    return List.copyOf(checks.values());
  }

  boolean needsContainers() {
    for (SpecCtx c : specs) {
      if (c.pruneSelected()) {
        return true;
      }
      for (Entry e : c.entries) {
        if (e.valid()
            && e.conflict == null
            && e.ensure == Ensure.Absent
            && index.find(e.ref) != null) {
          return true;
        }
      }
    }
    return false;
  }

  Plan build() {
    List<PlannedAction> ordered = new ArrayList<>();
    for (Chain chain : chains.values()) {
      chain.order().forEach(k -> ordered.add(actions.get(k)));
    }
    removes.forEach(k -> ordered.add(actions.get(k)));
    prunes.forEach(k -> ordered.add(actions.get(k)));
    List<SpecPlan> specPlans = new ArrayList<>();
    for (SpecCtx c : specs) {
      List<ImagePlan> images = new ArrayList<>();
      List<PushPlan> pushes = new ArrayList<>();
      for (Entry e : c.entries) {
        images.add(e.image.toPlan(actions));
        for (PushDraft p : e.pushDrafts) {
          pushes.add(p.toPlan(actions));
        }
      }
      PrunePlan prune = null;
      if (c.pruneDraft != null) {
        prune =
            new PrunePlan(
                c.pruneDraft.run,
                c.pruneDraft.keys.stream().map(actions::get).toList(),
                c.pruneDraft.message);
      }
      specPlans.add(new SpecPlan(c.key, c.spec, c.prev, images, pushes, prune));
    }
    return new Plan(now, ordered, specPlans);
  }

  // ---------------------------------------------------------------- conflicts

  private record Decl(Entry entry, String field, String source) {
    String describe() {
      return entry.ctx.key + " " + field;
    }
  }

  private void detectConflicts() {
    Map<String, List<Decl>> decls = new LinkedHashMap<>();
    for (SpecCtx c : specs) {
      for (Entry e : c.entries) {
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
            String toC = p.to.canonical();
            if (e.tags.stream().noneMatch(t -> t.canonical().equals(toC))) {
              add(decls, toC, new Decl(e, base + ".pushes[" + p.index + "].to", e.canonical));
            }
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
        all.forEach(x -> x.entry.markConflict(msg));
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
        present.forEach(x -> x.entry.markConflict(msg));
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
  private void detectIdConflicts() {
    Map<String, List<Entry>> presentById = new HashMap<>();
    for (SpecCtx c : specs) {
      for (Entry e : c.entries) {
        if (e.valid() && e.conflict == null && e.ensure == Ensure.Present) {
          LocalImage local = index.find(e.ref);
          if (local != null && local.id() != null) {
            presentById.computeIfAbsent(Ids.norm(local.id()), k -> new ArrayList<>()).add(e);
          }
        }
      }
    }
    for (SpecCtx c : specs) {
      for (Entry e : c.entries) {
        if (!e.valid() || e.conflict != null || e.ensure != Ensure.Absent) {
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
                + e.ctx.key
                + " spec.images["
                + e.index
                + "]) would delete image "
                + Ids.shortId(local.id())
                + ", which "
                + users.stream()
                    .map(u -> u.ctx.key + " spec.images[" + u.index + "] (" + u.canonical + ")")
                    .collect(Collectors.joining(", "))
                + " needs Present";
        e.markConflict(msg);
        users.forEach(u -> u.markConflict(msg));
      }
    }
  }

  /** Whether removing {@code ref} deletes the image rather than only untagging it. */
  private static boolean wouldDelete(ImageReference ref, LocalImage local) {
    List<ImageReference> tags = LocalIndex.tags(local);
    if (ref.hasDigest()) {
      String self = ref.repository() + "@" + ref.digest().get();
      return tags.isEmpty() && LocalIndex.allDigests(local).stream().allMatch(d -> d.equals(self));
    }
    String self = ref.withDefaultTag().canonical();
    return tags.stream().allMatch(t -> t.canonical().equals(self));
  }

  // ---------------------------------------------------------------- wants (pull decisions)

  private void decide(Want w) {
    w.local = index.find(w.ref);
    boolean pinned = w.ref.hasDigest();
    boolean anyPuller = w.entries.stream().anyMatch(e -> e.policy != PullPolicy.Never);
    if (w.local == null) {
      if (anyPuller) {
        planPull(w, "not present");
      } else {
        w.failedNever = true;
      }
      return;
    }
    if (pinned) {
      w.digest = w.ref.digest().get();
      return;
    }
    List<String> localDigests = LocalIndex.digests(w.local, w.ref.repository());
    w.digest = localDigests.isEmpty() ? null : localDigests.get(0);
    boolean due = w.entries.stream().anyMatch(e -> e.policy == PullPolicy.Always && checkDue(e));
    if (!due) {
      return;
    }
    Entry creds = credentialOwner(w.entries);
    RegistryAnswer a =
        lookup(
            new RegistryCheck(
                w.ref,
                creds.ctx.key.namespace(),
                creds.ctx.pullSecrets(),
                RegistryCheck.Purpose.PULL));
    if (a == null) {
      return; // not checked (first planner phase, or the caller skipped it)
    }
    switch (a.kind()) {
      case FOUND -> {
        w.checked = true;
        if (localDigests.contains(a.digest())) {
          w.digest = a.digest();
        } else {
          planPull(
              w,
              "registry digest moved to "
                  + a.digest()
                  + (w.digest == null ? "" : " (local " + w.digest + ")"));
        }
      }
      case MISSING -> {
        w.checked = true;
        w.warning =
            "registry has no tag '"
                + w.ref.tag().orElse("latest")
                + "' in "
                + w.ref.repository()
                + "; keeping the local image";
      }
      case ERROR -> w.warning = "registry check failed: " + a.error() + "; keeping the local image";
    }
  }

  private boolean checkDue(Entry e) {
    Instant last = e.prevLastChecked();
    return last == null || !now.isBefore(last.plus(e.ctx.refresh));
  }

  private void planPull(Want w, String reason) {
    Entry owner = w.entries.get(0);
    Entry creds = credentialOwner(w.entries);
    String platform =
        w.entries.stream()
            .map(e -> e.e.getPlatform())
            .filter(p -> p != null && !p.isEmpty())
            .findFirst()
            .orElse(null);
    List<SpecKey> shared =
        w.entries.stream()
            .map(e -> e.ctx.key)
            .distinct()
            .filter(k -> !k.equals(owner.ctx.key))
            .toList();
    PlannedAction a =
        new PlannedAction(
            owner.ctx.key,
            ActionKind.PULL,
            w.canonical,
            null,
            reason,
            shared,
            new PlannedAction.Details(
                platform, creds.ctx.key.namespace(), creds.ctx.pullSecrets(), null, 0, null));
    w.pull = true;
    w.pullKey = register(a);
    chain(w.canonical).pull = w.pullKey;
  }

  /** The first entry whose spec has pull secrets, else the first entry. */
  private static Entry credentialOwner(List<Entry> entries) {
    return entries.stream()
        .filter(e -> !e.ctx.pullSecrets().isEmpty())
        .findFirst()
        .orElse(entries.get(0));
  }

  private RegistryAnswer lookup(RegistryCheck check) {
    checks.putIfAbsent(check.key(), check);
    return in.registry().get(check.key());
  }

  private String register(PlannedAction a) {
    actions.merge(a.key(), a, (old, neu) -> old.withSharedSpec(neu.spec()));
    return a.key();
  }

  private Chain chain(String image) {
    return chains.computeIfAbsent(image, k -> new Chain());
  }

  // ---------------------------------------------------------------- per-entry drafts

  private void draft(Entry e) {
    ImageDraft d = new ImageDraft(e);
    e.image = d;
    if (!e.valid()) {
      d.fail(ImageState.Failed, e.invalid, INVALID_SPEC);
      for (PushTarget p : e.e.pushesOrEmpty()) {
        e.pushDrafts.add(
            PushDraft.of(e, p, null, PushState.Failed, "invalid spec entry: " + e.invalid));
      }
      return;
    }
    if (e.conflict != null) {
      d.fail(ImageState.Conflict, e.conflict, CONFLICT);
      d.id = idOf(index.find(e.ref));
      for (PushRef p : e.pushes) {
        e.pushDrafts.add(
            PushDraft.of(e, p.target, p.to.canonical(), PushState.Conflict, e.conflict));
      }
      return;
    }
    if (e.ensure == Ensure.Absent) {
      draftAbsent(e, d);
      return;
    }
    Want w = wants.get(e.canonical);
    if (w.failedNever) {
      d.fail(ImageState.Failed, "not present and pullPolicy is Never", PULL_FAILED);
      for (PushRef p : e.pushes) {
        e.pushDrafts.add(
            PushDraft.of(
                e,
                p.target,
                p.to.canonical(),
                PushState.Failed,
                "image not present (pullPolicy is Never)"));
      }
      return;
    }
    d.id = idOf(w.local);
    d.digest = w.digest;
    d.pullKey = w.pullKey;
    if (w.warning != null) {
      d.message = w.warning;
      d.problem = REGISTRY_CHECK_FAILED;
    }
    if (e.policy == PullPolicy.Always) {
      d.lastChecked = w.checked ? now : e.prevLastChecked();
    }
    Chain chain = chain(w.canonical);
    for (ImageReference t : e.tags) {
      String tc = t.canonical();
      String reason;
      if (w.pull) {
        reason = "after pull";
      } else {
        LocalImage tl = index.byTag(tc);
        if (tl == null) {
          reason = "missing";
        } else if (!Ids.same(tl.id(), w.local.id())) {
          reason = "points at " + Ids.shortId(tl.id()) + ", not " + Ids.shortId(w.local.id());
        } else {
          continue;
        }
      }
      String key =
          register(
              new PlannedAction(
                  e.ctx.key,
                  ActionKind.TAG,
                  w.canonical,
                  tc,
                  reason,
                  List.of(),
                  new PlannedAction.Details(null, null, null, sourceId(w), 0, null)));
      chain.tags.add(key);
      d.tagKeys.add(key);
    }
    d.state = w.pull || !d.tagKeys.isEmpty() ? ImageState.Pending : ImageState.Present;
    for (PushRef p : e.pushes) {
      e.pushDrafts.add(draftPush(e, w, p, chain));
    }
  }

  private PushDraft draftPush(Entry e, Want w, PushRef p, Chain chain) {
    String toC = p.to.canonical();
    PushStatus prev = e.ctx.prevPushes.get(e.canonical + " " + toC);
    List<String> secrets =
        p.target.getCredentialsSecret() == null || p.target.getCredentialsSecret().isEmpty()
            ? List.of()
            : List.of(p.target.getCredentialsSecret());
    String reason;
    if (w.pull) {
      reason = "image pulled in this pass";
    } else {
      LocalImage local = w.local;
      Instant prevChecked = instant(prev == null ? null : prev.getLastChecked());
      if (prev != null
          && prev.getState() == PushState.Pushed
          && prev.getDigest() != null
          && Ids.same(prev.getId(), local.id())
          && prevChecked != null
          && now.isBefore(prevChecked.plus(e.ctx.refresh))) {
        PushDraft d = PushDraft.of(e, p.target, toC, PushState.Pushed, null);
        d.digest = prev.getDigest();
        d.id = local.id();
        d.lastChecked = prevChecked;
        return d;
      }
      RegistryAnswer a =
          lookup(
              new RegistryCheck(p.to, e.ctx.key.namespace(), secrets, RegistryCheck.Purpose.PUSH));
      if (a == null) {
        reason = "target registry not checked";
      } else {
        switch (a.kind()) {
          case FOUND -> {
            boolean same =
                LocalIndex.digests(local, p.to.repository()).contains(a.digest())
                    || (a.imageId() != null && Ids.same(a.imageId(), local.id()))
                    || (prev != null
                        && a.digest().equals(prev.getDigest())
                        && Ids.same(prev.getId(), local.id()));
            if (same) {
              PushDraft d = PushDraft.of(e, p.target, toC, PushState.Pushed, null);
              d.digest = a.digest();
              d.id = local.id();
              d.lastChecked = now;
              return d;
            }
            reason = "target registry holds " + a.digest() + ", not this image";
          }
          case MISSING -> reason = "not in the target registry";
          default -> reason = "target registry check failed: " + a.error();
        }
      }
    }
    PushDraft d = PushDraft.of(e, p.target, toC, PushState.Pending, null);
    d.id = idOf(w.local);
    LocalImage tl = index.byTag(toC);
    if (w.pull || tl == null || w.local == null || !Ids.same(tl.id(), w.local.id())) {
      String tagKey =
          register(
              new PlannedAction(
                  e.ctx.key,
                  ActionKind.TAG,
                  w.canonical,
                  toC,
                  "push target",
                  List.of(),
                  new PlannedAction.Details(null, null, null, sourceId(w), 0, null)));
      if (!chain.tags.contains(tagKey)) {
        chain.pushes.add(tagKey);
      }
      d.tagKey = tagKey;
    }
    String pushKey =
        register(
            new PlannedAction(
                e.ctx.key,
                ActionKind.PUSH,
                w.canonical,
                toC,
                reason,
                List.of(),
                new PlannedAction.Details(
                    null, e.ctx.key.namespace(), secrets, sourceId(w), 0, null)));
    if (!chain.pushes.contains(pushKey)) {
      chain.pushes.add(pushKey);
    }
    d.pushKey = pushKey;
    return d;
  }

  private void draftAbsent(Entry e, ImageDraft d) {
    LocalImage local = index.find(e.ref);
    if (local == null) {
      d.state = ImageState.Absent;
      return;
    }
    d.id = local.id();
    List<ContainerRef> users =
        in.containers() == null
            ? List.of()
            : in.containers().stream().filter(c -> Ids.same(c.imageId(), local.id())).toList();
    boolean deletes = wouldDelete(e.ref, local);
    if (!users.isEmpty() && deletes) {
      d.fail(
          ImageState.Failed,
          "image "
              + Ids.shortId(local.id())
              + " is used by "
              + (users.size() == 1 ? "container " : "containers ")
              + users.stream()
                  .map(
                      c ->
                          (c.name() == null ? "" : c.name() + " ")
                              + "("
                              + Ids.shortId(c.id())
                              + ")")
                  .collect(Collectors.joining(", ")),
          REMOVE_FAILED);
      return;
    }
    String key =
        register(
            new PlannedAction(
                e.ctx.key,
                ActionKind.REMOVE,
                e.canonical,
                null,
                deletes
                    ? "present (image " + Ids.shortId(local.id()) + ")"
                    : "untag only: the image has other tags",
                List.of(),
                new PlannedAction.Details(
                    null, null, null, local.id(), local.size(), local.repoTags())));
    if (!removes.contains(key)) {
      removes.add(key);
    }
    d.removeKey = key;
    d.state = ImageState.Pending;
  }

  /** The local image ID tags and pushes start from; unknown until the pull when one is planned. */
  private static String sourceId(Want w) {
    return w.pull ? null : idOf(w.local);
  }

  private static String idOf(LocalImage img) {
    return img == null ? null : img.id();
  }

  // ---------------------------------------------------------------- prune

  private Set<String> protectedIds;
  private final Set<String> claimed = new HashSet<>();

  private void planPrune(SpecCtx c) {
    PruneSpec p = c.spec.getSpec() == null ? null : c.spec.getSpec().getPrune();
    if (p == null) {
      return;
    }
    PruneDraft d = new PruneDraft();
    c.pruneDraft = d;
    if (!c.pruneSelected()) {
      return;
    }
    if (in.containers() == null) {
      d.message = "not run: the container list is unavailable";
      return;
    }
    Duration olderThan;
    List<LabelFilter> filters = new ArrayList<>();
    try {
      olderThan = GoDuration.parseOrNull(p.getOlderThan());
      for (String l : p.labelsOrEmpty()) {
        filters.add(LabelFilter.parse(l));
      }
    } catch (IllegalArgumentException ex) {
      d.message = "not run: " + ex.getMessage();
      return;
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
          register(
              new PlannedAction(
                  c.key,
                  ActionKind.PRUNE,
                  img.id(),
                  null,
                  reason,
                  List.of(),
                  new PlannedAction.Details(null, null, null, img.id(), img.size(), tags)));
      prunes.add(key);
      d.keys.add(key);
    }
  }

  /**
   * IDs of images no prune may touch: every reference any spec declares (images, tags, push
   * targets, whatever their ensure), and every image a container uses.
   */
  private Set<String> protectedIds() {
    if (protectedIds != null) {
      return protectedIds;
    }
    Set<String> ids = new HashSet<>();
    for (SpecCtx c : specs) {
      for (Entry e : c.entries) {
        // the raw image, not e.ref: an entry with an invalid tag or push target has no ref but
        // its image still counts as declared
        ImageReference declared = LocalIndex.parse(e.e.getImage());
        if (declared != null) {
          addId(ids, index.find(declared));
        }
        for (String t : e.e.tagsOrEmpty()) {
          ImageReference r = LocalIndex.parse(t);
          if (r != null) {
            addId(ids, index.find(r));
          }
        }
        for (PushTarget pt : e.e.pushesOrEmpty()) {
          ImageReference r = pt == null ? null : LocalIndex.parse(pt.getTo());
          if (r != null) {
            addId(ids, index.find(r));
          }
        }
      }
    }
    if (in.containers() != null) {
      for (ContainerRef c : in.containers()) {
        if (c.imageId() != null) {
          ids.add(Ids.norm(c.imageId()));
        }
        // a container created from a reference whose image ID the engine did not report
        ImageReference r = LocalIndex.parse(c.image());
        if (r != null) {
          addId(ids, index.find(r));
        }
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

  // ---------------------------------------------------------------- helpers and state

  static Instant instant(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  static String canonicalOf(String text) {
    ImageReference r = LocalIndex.parse(text);
    return r == null ? null : r.withDefaultTag().canonical();
  }

  private final class SpecCtx {
    final SpecKey key;
    final ImageSpec spec;
    final ImageSpecStatus prev;
    final Duration refresh;
    final List<Entry> entries = new ArrayList<>();
    final Map<String, ImageStatus> prevImages = new HashMap<>();
    final Map<String, PushStatus> prevPushes = new HashMap<>();
    PruneDraft pruneDraft;

    SpecCtx(ImageSpec spec) {
      this.key = SpecKey.of(spec);
      this.spec = spec;
      this.prev = in.previousOf(spec);
      ImageSpecSpec s = spec.getSpec();
      this.refresh = WakeSchedule.refreshInterval(s, in.defaultRefreshInterval());
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

    boolean pruneSelected() {
      return spec.getSpec() != null
          && spec.getSpec().getPrune() != null
          && (in.pruneAll() || in.pruneNow().contains(key));
    }
  }

  private record PushRef(int index, PushTarget target, ImageReference to) {}

  private static final class Entry {
    final SpecCtx ctx;
    final int index;
    final ImageEntry e;
    final Ensure ensure;
    final PullPolicy policy;
    ImageReference ref;
    String canonical;
    String invalid;
    final List<ImageReference> tags = new ArrayList<>();
    final List<PushRef> pushes = new ArrayList<>();
    String conflict;
    ImageDraft image;
    final List<PushDraft> pushDrafts = new ArrayList<>();

    Entry(SpecCtx ctx, int index, ImageEntry raw) {
      this.ctx = ctx;
      this.index = index;
      this.e = raw == null ? new ImageEntry() : raw;
      this.ensure = e.ensureOrDefault();
      this.policy = e.effectivePullPolicy(ctx.spec.getSpec());
      try {
        if (e.getImage() == null || e.getImage().isBlank()) {
          throw new IllegalArgumentException("image is required");
        }
        ref = ImageReference.parse(e.getImage()).withDefaultTag();
        canonical = ref.canonical();
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
      } catch (RuntimeException ex) {
        invalid = ex.getMessage();
        ref = null;
        canonical = null;
        tags.clear();
        pushes.clear();
      }
    }

    boolean valid() {
      return invalid == null;
    }

    void markConflict(String msg) {
      if (conflict == null) {
        conflict = msg;
      }
    }

    Instant prevLastChecked() {
      ImageStatus st = canonical == null ? null : ctx.prevImages.get(canonical);
      return st == null ? null : instant(st.getLastChecked());
    }
  }

  private static final class Want {
    final ImageReference ref;
    final String canonical;
    final List<Entry> entries = new ArrayList<>();
    LocalImage local;
    boolean pull;
    String pullKey;
    boolean failedNever;
    boolean checked;
    String warning;
    String digest;

    Want(ImageReference ref) {
      this.ref = ref;
      this.canonical = ref.canonical();
    }
  }

  private static final class Chain {
    String pull;
    final List<String> tags = new ArrayList<>();
    final List<String> pushes = new ArrayList<>();

    List<String> order() {
      LinkedHashSet<String> all = new LinkedHashSet<>();
      if (pull != null) {
        all.add(pull);
      }
      all.addAll(tags);
      all.addAll(pushes);
      return List.copyOf(all);
    }
  }

  private static final class ImageDraft {
    final Entry e;
    ImageState state = ImageState.Pending;
    String id;
    String digest;
    String message;
    Instant lastChecked;
    String problem;
    String pullKey;
    final List<String> tagKeys = new ArrayList<>();
    String removeKey;

    ImageDraft(Entry e) {
      this.e = e;
    }

    void fail(ImageState s, String msg, String reason) {
      state = s;
      message = msg;
      problem = reason;
    }

    ImagePlan toPlan(Map<String, PlannedAction> actions) {
      return new ImagePlan(
          e.index,
          e.e.getImage(),
          e.canonical,
          e.ensure,
          e.policy,
          state,
          id,
          digest,
          message,
          lastChecked,
          problem,
          pullKey == null ? null : actions.get(pullKey),
          tagKeys.stream().map(actions::get).toList(),
          removeKey == null ? null : actions.get(removeKey));
    }
  }

  private static final class PushDraft {
    final Entry e;
    final PushTarget target;
    final String toCanonical;
    PushState state;
    String message;
    String digest;
    String id;
    Instant lastChecked;
    String tagKey;
    String pushKey;

    private PushDraft(Entry e, PushTarget target, String toCanonical) {
      this.e = e;
      this.target = target;
      this.toCanonical = toCanonical;
    }

    static PushDraft of(
        Entry e, PushTarget target, String toCanonical, PushState state, String message) {
      PushDraft d = new PushDraft(e, target, toCanonical);
      d.state = state;
      d.message = message;
      return d;
    }

    PushPlan toPlan(Map<String, PlannedAction> actions) {
      return new PushPlan(
          e.index,
          e.e.getImage(),
          target == null ? null : target.getTo(),
          toCanonical,
          state,
          digest,
          id,
          message,
          lastChecked,
          tagKey == null ? null : actions.get(tagKey),
          pushKey == null ? null : actions.get(pushKey));
    }
  }

  private static final class PruneDraft {
    boolean run;
    String message;
    final List<String> keys = new ArrayList<>();
  }
}
