package dev.imagespec.engine.cri;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.ImageNotFoundException;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.InvalidArgumentException;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.cri.v1.Container;
import dev.imagespec.engine.cri.v1.Image;
import dev.imagespec.engine.cri.v1.ImageStatusResponse;
import dev.imagespec.engine.cri.v1.VersionResponse;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A CRI runtime as an image store, the kubelet's view of a node: containerd (namespace {@code
 * k8s.io}) or CRI-O. CRI ({@link CriClient}) does list, status, pull, remove and containers; on
 * containerd its own API on the same socket ({@code ContainerdClient}, header {@code
 * containerd-namespace: k8s.io}) adds what CRI lacks: tag, single-name untag, push (blobs read from
 * the content store, uploaded by {@link dev.imagespec.engine.RegistryClient}) and image events.
 * Without it those throw {@link UnsupportedByRuntimeException} naming the runtime.
 *
 * <p>Labels and created time are the image config's ({@code LABEL} in a Dockerfile, as Docker shows
 * them), read from the runtime's verbose CRI ImageStatus ({@code imageSpec}; containerd and CRI-O
 * both give it) and cached by image ID: the ID is the config digest, so they never change for it. A
 * steady-state {@link #list()} is one CRI call (measured: 1,001 images, 29 ms; 1.9 s the first
 * time, one ImageStatus per image).
 *
 * <p>Names are containerd's: fully qualified ({@code docker.io/library/busybox:latest}); familiar
 * ones given to any method are normalised as the kubelet does.
 *
 * <p>Thread-safe. Close it to release the connection; calls in flight (a pull) are cancelled.
 */
public final class CriRuntime implements AutoCloseable {

  /** containerd's namespace for the kubelet's images. */
  public static final String K8S_NAMESPACE = "k8s.io";

  /** The label containerd's CRI plugin puts on the image records it manages. */
  static final String CRI_MANAGED_LABEL = "io.cri-containerd.image";

  /**
   * The label that keeps an image from the kubelet's image GC: containerd's CRI reports an image
   * whose record has it ({@code io.cri-containerd.pinned=pinned}) as pinned from 1.6.25 / 1.7.10
   * on, and kubelets from 1.28 on never collect pinned images.
   */
  public static final String PINNED_LABEL = "io.cri-containerd.pinned";

  public static final String PINNED_VALUE = "pinned";

  /** imagespec's mark next to {@link #PINNED_LABEL}: only labels it set are taken off again. */
  static final String PINNED_BY_LABEL = "dev.imagespec.pinned";

  /** How long tag and untag wait for the CRI plugin's image cache to show the change. */
  private static final Duration CRI_CACHE_WAIT = Duration.ofSeconds(10);

  static final ObjectMapper JSON = new ObjectMapper();

  private final CriClient cri;
  private final ContainerdClient containerd;
  private final Duration pullTimeout;
  private final RegistryClient registry;
  private final Map<String, ConfigFacts> configs = new ConcurrentHashMap<>();
  private volatile RuntimeInfo info;

  private CriRuntime(
      CriClient cri, ContainerdClient containerd, Duration pullTimeout, RegistryClient registry) {
    this.cri = cri;
    this.containerd = containerd;
    this.pullTimeout = pullTimeout;
    this.registry = registry;
  }

  /**
   * Connects lazily to the runtime at {@code host} ({@code unix:///path} or a path).
   *
   * @param pullTimeout deadline of each pull (CRI PullImage is one call with no progress)
   */
  public static CriRuntime connect(String host, Duration pullTimeout) {
    return connect(host, pullTimeout, RegistryClient.builder().build(), true);
  }

  /** {@code unix:///path} of the runtime's socket (asks nothing). */
  public String host() {
    return cri.host();
  }

  /**
   * As {@link #connect(String, Duration)}; pushes go through {@code registry} (its insecure
   * registries, timeouts, connection pool).
   */
  public static CriRuntime connect(String host, Duration pullTimeout, RegistryClient registry) {
    return connect(host, pullTimeout, registry, true);
  }

  /**
   * As {@link #connect(String, Duration)}; with {@code nativeApi} false containerd's own API is
   * never used, as on CRI-O (tests of the CRI-only view).
   */
  static CriRuntime connect(String host, Duration pullTimeout, boolean nativeApi) {
    return connect(host, pullTimeout, RegistryClient.builder().build(), nativeApi);
  }

  private static CriRuntime connect(
      String host, Duration pullTimeout, RegistryClient registry, boolean nativeApi) {
    if (pullTimeout == null || pullTimeout.isNegative() || pullTimeout.isZero()) {
      throw new IllegalArgumentException("pull timeout must be positive, not " + pullTimeout);
    }
    Objects.requireNonNull(registry, "registry");
    CriClient cri = CriClient.connect(host);
    ContainerdClient containerd =
        nativeApi
            ? new ContainerdClient(cri.host(), cri.channel(), K8S_NAMESPACE, cri.callTimeout())
            : null;
    return new CriRuntime(cri, containerd, pullTimeout, registry);
  }

  /**
   * Where the runtime keeps images: the mountpoints its ImageFsInfo reports (e.g. containerd's
   * {@code /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs}), in its order; paths on the
   * runtime's host.
   */
  public List<String> imageFsMountpoints() {
    return cri.imageFsInfo().stream()
        .map(u -> u.getFsId().getMountpoint())
        .filter(m -> !m.isBlank())
        .toList();
  }

  /**
   * Runtime name and version, CRI version, whether containerd's own API answers (cached): one CRI
   * Version and one containerd Version call, the first time only.
   */
  public RuntimeInfo info() {
    RuntimeInfo i = info;
    if (i == null) {
      synchronized (this) {
        i = info;
        if (i == null) {
          VersionResponse v = cri.version();
          String version = v.getRuntimeVersion();
          if (version.startsWith("v")) {
            version = version.substring(1);
          }
          i =
              new RuntimeInfo(
                  v.getRuntimeName(),
                  version,
                  v.getRuntimeApiVersion(),
                  cri.host(),
                  nativeApiAnswers());
          info = i;
        }
      }
    }
    return i;
  }

  private boolean nativeApiAnswers() {
    if (containerd == null) {
      return false;
    }
    try {
      containerd.version();
      return true;
    } catch (CriException e) {
      // UNIMPLEMENTED (unknown service: CRI-O), PERMISSION_DENIED, NOT_FOUND: no containerd API
      // here. Anything else (a deadline, an internal error) is passing: not cached as "none".
      switch (e.code()) {
        case UNIMPLEMENTED, PERMISSION_DENIED, NOT_FOUND -> {
          return false;
        }
        default -> throw e;
      }
    }
  }

  /**
   * Every image: one CRI ListImages, plus one verbose CRI ImageStatus for each image ID not seen
   * before (its config's labels and created time, then cached), up to {@link #STATUS_CALLS} at once
   * on the one connection. A steady-state list is one call.
   */
  public List<CriImage> list() {
    List<Image> images = cri.listImages();
    Set<String> ids = new HashSet<>();
    List<String> unknown = new ArrayList<>();
    for (Image i : images) {
      if (ids.add(i.getId()) && !configs.containsKey(i.getId())) {
        unknown.add(i.getId());
      }
    }
    learn(unknown);
    List<CriImage> out = new ArrayList<>(images.size());
    for (Image i : images) {
      out.add(toCriImage(i, configs.getOrDefault(i.getId(), ConfigFacts.NONE)));
    }
    configs.keySet().retainAll(ids);
    return out;
  }

  /** Verbose ImageStatus calls in flight at once when a list meets images it has not seen. */
  static final int STATUS_CALLS = 8;

  /** Fetches the facts of {@code ids} (a few at once), caching them; an error ends the list. */
  private void learn(List<String> ids) {
    if (ids.size() <= 1) {
      ids.forEach(this::facts);
      return;
    }
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(
            Math.min(STATUS_CALLS, ids.size()),
            r -> {
              Thread t = new Thread(r, "imagespec-cri-status-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    try {
      List<java.util.concurrent.Future<ConfigFacts>> futures = new ArrayList<>();
      for (String id : ids) {
        futures.add(pool.submit(() -> facts(id)));
      }
      for (java.util.concurrent.Future<ConfigFacts> f : futures) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof RuntimeException re) {
            throw re;
          }
          throw new CriException(
              io.grpc.Status.Code.UNKNOWN, "CRI ImageStatus on " + host() + ": " + e, e);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CriException(
          io.grpc.Status.Code.CANCELLED, "CRI ImageStatus on " + host() + ": interrupted", e);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The image named by a reference (familiar or qualified), digest reference or ID: one verbose CRI
   * ImageStatus (the runtime normalises familiar names as the kubelet does).
   */
  public Optional<CriImage> get(String referenceOrId) {
    return cri.imageStatusVerbose(referenceOrId)
        .map(r -> toCriImage(r.getImage(), remember(r.getImage().getId(), r)));
  }

  /**
   * Pulls {@code reference} (qualified or familiar; {@code docker.io} names are normalised as the
   * kubelet does), with the runtime's own registry configuration. Cancelled when the deadline
   * passes, the calling thread is interrupted or the runtime is closed.
   *
   * @param auth credentials for the reference's registry, or null
   */
  public CriImage pull(String reference, AuthConfig auth) {
    String id = cri.pullImage(reference, CriAuth.of(auth), pullTimeout);
    return get(reference)
        .or(() -> get(id))
        .orElseThrow(
            () ->
                new ImageNotFoundException(
                    "pulled "
                        + reference
                        + " ("
                        + id
                        + ") on "
                        + cri.host()
                        + " but the runtime does not show it: it was removed meanwhile; pull"
                        + " again"));
  }

  /**
   * Gives the image named {@code source} (reference or ID) the name {@code target} (replaced if it
   * exists): containerd image record {@code target} with the source record's target descriptor and
   * labels. Returns once CRI shows the name (the CRI plugin learns it from the image event).
   */
  public void tag(String source, String target) {
    requireNativeApi("tag", "CRI has no tag");
    String name = normalise(target);
    Image image = status(source);
    // The source name's own record first: names of one image ID may point at different manifests
    // (an index and one of its platform manifests, say).
    Optional<dev.imagespec.engine.containerd.images.v1.Image> own =
        ImageReference.looksLikeId(source) ? Optional.empty() : containerd.get(normalise(source));
    dev.imagespec.engine.containerd.images.v1.Image record =
        own.or(() -> recordOf(image))
            .orElseThrow(
                () ->
                    new ImageNotFoundException(
                        "image "
                            + source
                            + " ("
                            + image.getId()
                            + ") has no containerd image record in namespace "
                            + K8S_NAMESPACE
                            + " on "
                            + cri.host()
                            + ": pull it again"));
    dev.imagespec.engine.containerd.images.v1.Image wanted =
        dev.imagespec.engine.containerd.images.v1.Image.newBuilder()
            .setName(name)
            .putAllLabels(record.getLabelsMap())
            .setTarget(record.getTarget())
            .build();
    try {
      containerd.create(wanted);
    } catch (CriException e) {
      if (e.code() != Status.Code.ALREADY_EXISTS) {
        throw e;
      }
      containerd.update(wanted);
    }
    awaitCri(name, image.getId());
  }

  /**
   * What {@link #pin} did.
   *
   * @param pinned the names among those asked for that carry the pinned label now
   * @param labeled the names it labeled in this call
   * @param unpinned the names whose label (set by imagespec earlier) it took off
   */
  public record Pins(List<String> pinned, List<String> labeled, List<String> unpinned) {}

  /**
   * Pins exactly {@code references} among the images imagespec pins: each that has an image record
   * gets {@link #PINNED_LABEL}{@code =pinned} (and imagespec's own mark) unless it has it, and
   * records imagespec pinned before that are not in {@code references} lose both labels (a label
   * some other tool set stays). One containerd images List, one Update per change; names that do
   * not exist are skipped.
   *
   * @throws UnsupportedByRuntimeException without containerd's own API (CRI-O): CRI has no labels
   */
  public Pins pin(java.util.Collection<String> references) {
    requireNativeApi("pin", "CRI cannot label images");
    Set<String> wanted = new java.util.LinkedHashSet<>();
    for (String r : references) {
      wanted.add(normalise(r));
    }
    List<String> pinned = new ArrayList<>();
    List<String> labeled = new ArrayList<>();
    List<String> unpinned = new ArrayList<>();
    for (dev.imagespec.engine.containerd.images.v1.Image record : containerd.list()) {
      String name = record.getName();
      Map<String, String> labels = record.getLabelsMap();
      boolean has = PINNED_VALUE.equals(labels.get(PINNED_LABEL));
      if (wanted.contains(name)) {
        if (!has) {
          // a label someone else set stays theirs: unmarked, never taken off by imagespec
          containerd.updateLabels(
              name, Map.of(PINNED_LABEL, PINNED_VALUE, PINNED_BY_LABEL, "true"));
          labeled.add(name);
        }
        pinned.add(name);
      } else if (has && labels.containsKey(PINNED_BY_LABEL)) {
        Map<String, String> change = new java.util.HashMap<>();
        change.put(PINNED_LABEL, null);
        change.put(PINNED_BY_LABEL, null);
        containerd.updateLabels(name, change);
        unpinned.add(name);
      }
    }
    return new Pins(List.copyOf(pinned), List.copyOf(labeled), List.copyOf(unpinned));
  }

  /**
   * Removes one name; the image stays while other names remain (containerd images Delete of that
   * name). When the name is the image's only one, the image is removed (CRI RemoveImage), which
   * fails if a container uses it. Names are the image's repo tags and repo digests.
   */
  public void untag(String reference) {
    Image image = status(reference);
    List<String> names = names(image);
    if (ImageReference.looksLikeId(reference) && !names.isEmpty()) {
      if (names.size() == 1) {
        removeImage(reference);
        return;
      }
      throw new InvalidArgumentException(
          "untag takes a name, and "
              + reference
              + " is the ID of an image with several ("
              + String.join(", ", names)
              + "): untag one of them or remove the image");
    }
    String name = ImageReference.looksLikeId(reference) ? reference : normalise(reference);
    if (names.size() <= 1) {
      removeImage(reference);
      return;
    }
    if (!names.contains(name)) {
      throw new InvalidArgumentException(
          reference
              + " is not one of the names of image "
              + image.getId()
              + " ("
              + String.join(", ", names)
              + "): untag one of those");
    }
    requireNativeApi("untag", "CRI can only remove an image with all of its names");
    containerd.delete(name);
    awaitCri(name, null);
  }

  /**
   * Removes the image with every name it has (CRI RemoveImage). Refused with {@link
   * ImageInUseException} when a container (running or not) uses it: CRI itself does not check.
   *
   * @throws ImageNotFoundException when there is no such image
   */
  public void removeImage(String referenceOrId) {
    Image image = status(referenceOrId);
    if (image.getPinned()) {
      throw new ImageInUseException(referenceOrId, List.of("the runtime itself (a pinned image)"));
    }
    List<String> users = users(image, containers());
    if (!users.isEmpty()) {
      throw new ImageInUseException(referenceOrId, users);
    }
    cri.removeImage(image.getId());
  }

  /**
   * Pushes the image named {@code reference} to its registry: the blobs of its manifest (or of the
   * index and every platform's manifest present) read from containerd's content store.
   *
   * <p>Blobs the registry holds are not sent; on the registry the image was pulled from they are
   * mounted from its repository. An index whose platform manifests are not all present (containerd
   * fetches only the node's platform) cannot be pushed as it is: the one present manifest is pushed
   * under the tag, or, if several are, an index of those.
   *
   * @param auth credentials for the reference's registry, or null
   * @return the manifest digest the registry now serves for it
   */
  public String push(String reference, AuthConfig auth) {
    requireNativeApi("push", "CRI has no push");
    if (ImageReference.looksLikeId(reference)) {
      throw new InvalidArgumentException(
          "push takes an image name (registry/repository:tag), not the ID " + reference);
    }
    ImageReference ref = ImageReference.parse(reference);
    String name = normalise(reference);
    Image image = status(reference);
    dev.imagespec.engine.containerd.images.v1.Image record =
        containerd
            .get(name)
            .or(() -> recordOf(image))
            .orElseThrow(
                () ->
                    new ImageNotFoundException(
                        "image "
                            + reference
                            + " has no containerd image record in namespace "
                            + K8S_NAMESPACE
                            + " on "
                            + cri.host()
                            + ": pull it again"));
    ImagePush push =
        new ImagePush(
            containerd, registry, ref.hasDigest() ? ref : ref.withDefaultTag(), auth, image);
    return push.push(record.getTarget());
  }

  /** Every container, running or not (CRI ListContainers). */
  public List<CriContainer> containers() {
    List<CriContainer> out = new ArrayList<>();
    for (Container c : cri.listContainers()) {
      Map<String, String> l = c.getLabelsMap();
      String ns = l.get("io.kubernetes.pod.namespace");
      String pod = l.get("io.kubernetes.pod.name");
      String container = l.get("io.kubernetes.container.name");
      String name =
          ns != null && pod != null && container != null
              ? ns + "/" + pod + "/" + container
              : c.getMetadata().getName();
      out.add(
          new CriContainer(
              c.getId(), name, c.getImageRef(), c.getImage().getImage(), c.getState().name()));
    }
    out.addAll(sandboxes());
    return out;
  }

  /**
   * Pod sandboxes as users of their sandbox ("pause") image: CRI lists them apart from containers
   * and without their image, which only the verbose status tells (containerd: {@code info.image}).
   * One ListPodSandbox, plus one PodSandboxStatus per sandbox.
   */
  private List<CriContainer> sandboxes() {
    List<CriContainer> out = new ArrayList<>();
    for (var sb : cri.listPodSandboxes()) {
      String image =
          cri.podSandboxStatus(sb.getId())
              .map(r -> r.getInfoMap().get("info"))
              .map(CriRuntime::sandboxImage)
              .orElse(null);
      if (image == null) {
        continue;
      }
      String name =
          sb.getMetadata().getNamespace() + "/" + sb.getMetadata().getName() + " (pod sandbox)";
      out.add(new CriContainer(sb.getId(), name, image, image, sb.getState().name()));
    }
    return out;
  }

  /** The sandbox image named in a verbose sandbox status's {@code info} JSON, or null. */
  static String sandboxImage(String infoJson) {
    if (infoJson == null || infoJson.isBlank()) {
      return null;
    }
    try {
      JsonNode image = JSON.readTree(infoJson).path("image");
      return image.isTextual() && !image.asText().isBlank() ? image.asText() : null;
    } catch (Exception e) {
      return null;
    }
  }

  /**
   * containerd's image events ({@code /images/create}, {@code /images/update}, {@code
   * /images/delete}) of namespace {@code k8s.io}, until closed. Events from before the call are not
   * replayed.
   */
  public ImageEvents events() {
    requireNativeApi("events", "CRI has no image events");
    return containerd.imageEvents();
  }

  /** Releases the connection; a pull in flight is cancelled. */
  @Override
  public void close() {
    cri.close();
  }

  /** One image event: its topic ({@code /images/delete}) and the image name. */
  public record ImageEvent(String topic, String name) {}

  /** A blocking stream of image events; {@link #close()} ends it from any thread. */
  public interface ImageEvents extends Iterator<ImageEvent>, AutoCloseable {
    @Override
    void close();
  }

  // --- helpers

  /** containerd's own API; null when disabled (tests). */
  ContainerdClient containerd() {
    return containerd;
  }

  private Image status(String referenceOrId) {
    return cri.imageStatus(referenceOrId)
        .orElseThrow(
            () ->
                new ImageNotFoundException(
                    "no image "
                        + referenceOrId
                        + " on "
                        + cri.host()
                        + ": check the name, or pull it first"));
  }

  private static List<String> names(Image image) {
    List<String> names = new ArrayList<>(image.getRepoTagsList());
    names.addAll(image.getRepoDigestsList());
    return names;
  }

  /** The containerd record of one of the image's names, else of its ID (the CRI plugin's). */
  private Optional<dev.imagespec.engine.containerd.images.v1.Image> recordOf(Image image) {
    List<String> candidates = names(image);
    candidates.add(image.getId());
    for (String n : candidates) {
      Optional<dev.imagespec.engine.containerd.images.v1.Image> r = containerd.get(n);
      if (r.isPresent()) {
        return r;
      }
    }
    return Optional.empty();
  }

  /**
   * Waits (bounded) until CRI shows {@code name} as image {@code id} (null: shows it no more): the
   * CRI plugin updates its cache from containerd's image events, asynchronously.
   */
  private void awaitCri(String name, String id) {
    long deadline = System.nanoTime() + CRI_CACHE_WAIT.toNanos();
    long pause = TimeUnit.MILLISECONDS.toNanos(5);
    while (true) {
      Optional<Image> seen = cri.imageStatus(name);
      boolean done =
          id == null
              ? seen.isEmpty() || !names(seen.get()).contains(name)
              : seen.isPresent() && seen.get().getId().equals(id);
      if (done || System.nanoTime() > deadline) {
        return;
      }
      LockSupport.parkNanos(pause);
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
      pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(200));
    }
  }

  /**
   * The name containerd keeps for {@code reference}: fully qualified, {@code :latest} when it has
   * neither tag nor digest, only the digest when it has both (as containerd's ParseDockerRef).
   */
  public static String normalise(String reference) {
    ImageReference r = ImageReference.parse(reference);
    if (r.hasDigest()) {
      return r.repository() + "@" + r.digest().orElseThrow();
    }
    return r.withDefaultTag().canonical();
  }

  private void requireNativeApi(String operation, String criLacks) {
    RuntimeInfo i = info();
    if (!i.nativeApi()) {
      throw new UnsupportedByRuntimeException(
          i.describe(),
          operation,
          criLacks + "; containerd's own API is not reachable on " + i.host());
    }
  }

  /** The containers among {@code containers} that use {@code image}, as named in errors. */
  static List<String> users(Image image, List<CriContainer> containers) {
    CriImage i =
        new CriImage(
            image.getId(),
            image.getRepoTagsList(),
            image.getRepoDigestsList(),
            0,
            null,
            null,
            image.getPinned());
    List<String> users = new ArrayList<>();
    for (CriContainer c : containers) {
      if (c.uses(i)) {
        users.add(c.name() + " (" + shortId(c.id()) + ", " + c.state() + ")");
      }
    }
    return users;
  }

  private static String shortId(String id) {
    return id.length() > 12 ? id.substring(0, 12) : id;
  }

  private static CriImage toCriImage(Image i, ConfigFacts f) {
    return new CriImage(
        i.getId(),
        i.getRepoTagsList(),
        i.getRepoDigestsList(),
        i.getSize(),
        f.labels(),
        f.created(),
        i.getPinned());
  }

  /** Labels and created time of image {@code id}, from the cache or one verbose ImageStatus. */
  private ConfigFacts facts(String id) {
    ConfigFacts f = configs.get(id);
    if (f != null) {
      return f;
    }
    Optional<ImageStatusResponse> r = cri.imageStatusVerbose(id);
    // Removed between the list and now: no facts, and nothing to cache.
    return r.map(s -> remember(id, s)).orElse(ConfigFacts.NONE);
  }

  private ConfigFacts remember(String id, ImageStatusResponse status) {
    ConfigFacts f = ConfigFacts.of(status.getInfoMap().get("info"));
    if (f.known()) {
      configs.put(id, f);
    }
    return f;
  }
}
