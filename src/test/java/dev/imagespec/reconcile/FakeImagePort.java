package dev.imagespec.reconcile;

import dev.imagespec.engine.ApiException;
import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.ImageNotFoundException;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.StreamException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * An in-memory image store and registry that behaves like Docker: RepoTags in familiar form, pulls
 * add a RepoDigest, pushes add one for the target repository, removes of the last tag delete the
 * image, nothing is ever forced. Records every call.
 */
class FakeImagePort implements ImagePort {
  /** A manifest in the fake registry. */
  record Remote(String digest, String imageId, long size) {}

  private static final class Img {
    final String id;
    final Set<String> tags = new LinkedHashSet<>(); // canonical
    final Set<String> digests = new LinkedHashSet<>(); // repository@digest
    Map<String, String> labels = Map.of();
    Instant created = Fixtures.NOW.minusSeconds(86_400);
    long size = 1_000_000;

    Img(String id) {
      this.id = id;
    }
  }

  private final Map<String, Remote> registry = new ConcurrentHashMap<>();
  private final Map<String, Img> images = new LinkedHashMap<>();
  private final List<ContainerRef> containers = new CopyOnWriteArrayList<>();
  private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Deque<RuntimeException>> failures = new ConcurrentHashMap<>();
  private final Map<String, List<AuthConfig>> auths = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final Set<String> threads = ConcurrentHashMap.newKeySet();
  private volatile Consumer<String> hook = s -> {};
  private final Map<String, String> protectedRepos = new ConcurrentHashMap<>();
  private boolean podmanNames;

  // ------------------------------------------------------------------ setup

  /** The registry serves {@code ref} as {@code digest} (image content {@code imageId}). */
  FakeImagePort remote(String ref, String digest, String imageId) {
    registry.put(
        ImageReference.parse(ref).withDefaultTag().canonical(),
        new Remote(digest, imageId, 1_000_000));
    return this;
  }

  /** A local image with tags (any form) and RepoDigests ({@code repo@sha256:...}). */
  synchronized FakeImagePort local(String id, List<String> tags, List<String> repoDigests) {
    Img i = images.computeIfAbsent(id, Img::new);
    for (String t : tags) {
      String c = ImageReference.parse(t).withDefaultTag().canonical();
      images.values().forEach(o -> o.tags.remove(c));
      i.tags.add(c);
    }
    for (String d : repoDigests) {
      ImageReference r = ImageReference.parse(d);
      i.digests.add(r.repository() + "@" + r.digest().orElseThrow());
    }
    return this;
  }

  synchronized FakeImagePort localDetails(
      String id, Map<String, String> labels, Instant created, long size) {
    Img i = images.get(id);
    i.labels = labels;
    i.created = created;
    i.size = size;
    return this;
  }

  FakeImagePort container(String name, String imageId) {
    containers.add(Fixtures.container(name, imageId));
    return this;
  }

  /**
   * Registry lookups in {@code repository} (canonical, e.g. {@code docker.io/library/a}) answer 401
   * unless asked with the username {@code user}.
   */
  FakeImagePort protect(String repository, String user) {
    protectedRepos.put(repository, user);
    return this;
  }

  /** Report RepoTags fully qualified, as Podman does. */
  FakeImagePort podmanNames() {
    podmanNames = true;
    return this;
  }

  /** The next calls matching {@code call} (e.g. {@code pull docker.io/library/a:1}) throw these. */
  FakeImagePort fail(String call, RuntimeException... errors) {
    failures.computeIfAbsent(call, k -> new ArrayDeque<>()).addAll(List.of(errors));
    return this;
  }

  /** Called at the start of every pull and push with the call's description. */
  FakeImagePort onMutatingCall(Consumer<String> h) {
    this.hook = h;
    return this;
  }

  // ------------------------------------------------------------------ inspection

  List<String> calls() {
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  List<String> mutatingCalls() {
    return calls().stream()
        .filter(
            c ->
                c.startsWith("pull ")
                    || c.startsWith("tag ")
                    || c.startsWith("push ")
                    || c.startsWith("remove "))
        .toList();
  }

  int maxConcurrentCalls() {
    return maxInFlight.get();
  }

  /** Names of the threads that made pull/tag/push/remove calls. */
  Set<String> threads() {
    return Set.copyOf(threads);
  }

  List<AuthConfig> authsFor(String call) {
    return auths.getOrDefault(call, List.of());
  }

  synchronized Optional<String> idOf(String ref) {
    String c = ImageReference.parse(ref).withDefaultTag().canonical();
    return images.values().stream().filter(i -> i.tags.contains(c)).map(i -> i.id).findFirst();
  }

  synchronized boolean hasImage(String id) {
    return images.containsKey(id);
  }

  Optional<Remote> remoteOf(String ref) {
    return Optional.ofNullable(
        registry.get(ImageReference.parse(ref).withDefaultTag().canonical()));
  }

  // ------------------------------------------------------------------ port

  @Override
  public String describe() {
    return "fake 1.0";
  }

  @Override
  public synchronized List<LocalImage> listImages() {
    record("listImages");
    return images.values().stream().map(this::toLocal).toList();
  }

  @Override
  public List<ContainerRef> listContainers() {
    record("listContainers");
    return List.copyOf(containers);
  }

  @Override
  public synchronized Optional<LocalImage> inspect(String referenceOrId) {
    record("inspect " + referenceOrId);
    Img i = find(referenceOrId);
    return Optional.ofNullable(i).map(this::toLocal);
  }

  @Override
  public LocalImage pull(ImageReference reference, String platform, AuthConfig auth) {
    String call = "pull " + reference.canonical();
    enter(call, auth);
    try {
      Remote r;
      if (reference.hasDigest()) {
        r =
            registry.values().stream()
                .filter(x -> x.digest().equals(reference.digest().get()))
                .findFirst()
                .orElse(null);
      } else {
        r = registry.get(reference.canonical());
      }
      if (r == null) {
        throw new StreamException(
            "manifest for "
                + reference.familiar()
                + " not found: manifest unknown: manifest unknown");
      }
      synchronized (this) {
        Img i = images.computeIfAbsent(r.imageId(), Img::new);
        i.size = r.size();
        if (!reference.hasDigest()) {
          images.values().forEach(o -> o.tags.remove(reference.canonical()));
          i.tags.add(reference.canonical());
        }
        i.digests.add(reference.repository() + "@" + r.digest());
        return toLocal(i);
      }
    } finally {
      inFlight.decrementAndGet();
    }
  }

  @Override
  public void tag(String sourceReferenceOrId, ImageReference target) {
    String t = target.withDefaultTag().canonical();
    String call = "tag " + sourceReferenceOrId + " " + t;
    enter(call, null);
    try {
      synchronized (this) {
        Img i = find(sourceReferenceOrId);
        if (i == null) {
          throw new ImageNotFoundException("No such image: " + sourceReferenceOrId);
        }
        images.values().forEach(o -> o.tags.remove(t));
        i.tags.add(t);
      }
    } finally {
      inFlight.decrementAndGet();
    }
  }

  @Override
  public String push(ImageReference reference, AuthConfig auth) {
    String c = reference.withDefaultTag().canonical();
    String call = "push " + c;
    enter(call, auth);
    try {
      synchronized (this) {
        Img i = find(c);
        if (i == null) {
          throw new ImageNotFoundException("An image does not exist locally with the tag: " + c);
        }
        String digest =
            i.digests.stream()
                .map(d -> d.substring(d.indexOf('@') + 1))
                .findFirst()
                .orElse("sha256:" + Ids.norm(i.id).replace('a', 'e'));
        registry.put(c, new Remote(digest, i.id, i.size));
        i.digests.add(reference.repository() + "@" + digest);
        return digest;
      }
    } finally {
      inFlight.decrementAndGet();
    }
  }

  @Override
  public void remove(String referenceOrId) {
    String call = "remove " + referenceOrId;
    enter(call, null);
    try {
      synchronized (this) {
        Img i = find(referenceOrId);
        if (i == null) {
          throw new ImageNotFoundException("No such image: " + referenceOrId);
        }
        boolean byId = ImageReference.looksLikeId(referenceOrId) && Ids.same(i.id, referenceOrId);
        boolean used = containers.stream().anyMatch(c -> Ids.same(c.imageId(), i.id));
        if (byId) {
          // as EngineImagePort: an ID removes the image with all its names, unless it is used
          if (used) {
            throw new ApiException(409, "conflict: image is being used by a container");
          }
          images.remove(i.id);
          return;
        }
        ImageReference r = ImageReference.parse(referenceOrId);
        if (r.hasDigest()) {
          i.digests.remove(r.repository() + "@" + r.digest().get());
        } else {
          String c = r.withDefaultTag().canonical();
          if (i.tags.size() == 1 && used) {
            throw new ApiException(
                409, "conflict: unable to remove repository reference (container is using it)");
          }
          i.tags.remove(c);
        }
        if (i.tags.isEmpty() && (i.digests.isEmpty() || !r.hasDigest())) {
          images.remove(i.id);
        }
      }
    } finally {
      inFlight.decrementAndGet();
    }
  }

  @Override
  public Optional<String> registryDigest(ImageReference reference, AuthConfig auth) {
    String call = "registryDigest " + reference.canonical();
    record(call);
    auths
        .computeIfAbsent(call, k -> new CopyOnWriteArrayList<>())
        .add(auth == null ? AuthConfig.basic(null, null) : auth);
    throwScripted(call);
    String needed = protectedRepos.get(reference.repository());
    if (needed != null && (auth == null || !needed.equals(auth.username()))) {
      throw new ApiException(
          401, "registry " + reference.domain() + " requires authentication for " + reference);
    }
    if (reference.hasDigest()) {
      // a manifest HEAD by digest: the registry holds what it serves under a tag, and what was
      // pulled from it or pushed to it
      String digest = reference.digest().get();
      String repo = reference.repository();
      boolean remote =
          registry.entrySet().stream()
              .anyMatch(
                  en ->
                      en.getValue().digest().equals(digest)
                          && ImageReference.parse(en.getKey()).repository().equals(repo));
      boolean local;
      synchronized (this) {
        local = images.values().stream().anyMatch(i -> i.digests.contains(repo + "@" + digest));
      }
      return remote || local ? Optional.of(digest) : Optional.empty();
    }
    return Optional.ofNullable(registry.get(reference.withDefaultTag().canonical()))
        .map(Remote::digest);
  }

  // ------------------------------------------------------------------ internals

  private void record(String call) {
    calls.add(call);
  }

  private void enter(String call, AuthConfig auth) {
    record(call);
    if (auth != null) {
      auths.computeIfAbsent(call, k -> new CopyOnWriteArrayList<>()).add(auth);
    }
    threads.add(Thread.currentThread().getName());
    int n = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(n, Math::max);
    try {
      hook.accept(call);
      throwScripted(call);
    } catch (RuntimeException e) {
      inFlight.decrementAndGet();
      throw e;
    }
  }

  private void throwScripted(String call) {
    Deque<RuntimeException> q = failures.get(call);
    if (q != null) {
      RuntimeException e;
      synchronized (q) {
        e = q.poll();
      }
      if (e != null) {
        throw e;
      }
    }
  }

  private Img find(String referenceOrId) {
    if (ImageReference.looksLikeId(referenceOrId)) {
      for (Img i : images.values()) {
        if (Ids.same(i.id, referenceOrId)) {
          return i;
        }
      }
    }
    ImageReference r;
    try {
      r = ImageReference.parse(referenceOrId);
    } catch (RuntimeException e) {
      return null;
    }
    if (r.hasDigest()) {
      String key = r.repository() + "@" + r.digest().get();
      return images.values().stream().filter(i -> i.digests.contains(key)).findFirst().orElse(null);
    }
    String c = r.withDefaultTag().canonical();
    return images.values().stream().filter(i -> i.tags.contains(c)).findFirst().orElse(null);
  }

  private LocalImage toLocal(Img i) {
    List<String> tags = new ArrayList<>();
    for (String t : i.tags) {
      tags.add(podmanNames ? t : ImageReference.parse(t).familiar());
    }
    List<String> digests = new ArrayList<>();
    for (String d : i.digests) {
      digests.add(podmanNames ? d : ImageReference.parse(d).familiar());
    }
    if (tags.isEmpty() && !podmanNames) {
      tags.add("<none>:<none>");
    }
    return new LocalImage(i.id, tags, digests, new HashMap<>(i.labels), i.created, i.size);
  }
}
