package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Image operations on one engine: podman-py's {@code ImagesManager}, docker-py's {@code
 * ImageApiMixin} and aiodocker's {@code DockerImages}. Every reference is parsed before any call; a
 * malformed one raises {@link InvalidArgumentException} and nothing is sent.
 */
public final class Images {
  private final EngineClient client;

  Images(EngineClient client) {
    this.client = client;
  }

  // ---------------------------------------------------------------- list / get / exists / history

  /** {@code GET /images/json} with the options' parameters and filters. */
  public List<Image> list(ListOptions options) {
    HttpUrl.Builder url = client.compat("images/json");
    Map<String, List<String>> filters = new HashMap<>(options.filters());
    if (options.name() != null) {
      List<String> refs = new ArrayList<>(filters.getOrDefault("reference", List.of()));
      refs.add(options.name());
      filters.put("reference", refs);
    }
    if (options.all()) {
      url.addQueryParameter("all", "true");
    }
    // Podman always reports RepoDigests, and its compat "digests=true" hides images without one.
    if (options.digests() && !client.isPodman()) {
      url.addQueryParameter("digests", "true");
    }
    if (!filters.isEmpty()) {
      url.addQueryParameter("filters", Filters.encode(filters));
    }
    JsonNode arr = client.json(client.get(url));
    List<Image> out = new ArrayList<>();
    if (arr != null) {
      for (JsonNode n : arr) {
        out.add(new Image(this, n));
      }
    }
    return Collections.unmodifiableList(out);
  }

  /** All images (no filters). */
  public List<Image> list() {
    return list(ListOptions.defaults());
  }

  /** docker-py's {@code images(quiet=True)}: only the IDs. */
  public List<String> listIds(ListOptions options) {
    return list(options).stream().map(Image::id).toList();
  }

  /**
   * The image named by a reference or ID, with its full inspect document.
   *
   * @throws ImageNotFoundException when there is none
   */
  public Image get(String name) {
    return new Image(this, inspect(name));
  }

  JsonNode inspect(String name) {
    checkName(name);
    return client
        .transport()
        .json(client.get(client.compat("images/" + name + "/json")), Transport.NotFound.IMAGE);
  }

  /** The image's raw inspect document (docker-py's {@code inspect_image}). */
  public JsonNode inspectRaw(String name) {
    return inspect(name);
  }

  /** True when the engine has an image by that reference or ID. */
  public boolean exists(String name) {
    checkName(name);
    if (client.isPodman()) {
      Request r = client.get(client.libpod("images/" + name + "/exists"));
      try (Response ignored = client.transport().execute(r, false, Transport.NotFound.IMAGE)) {
        return true;
      } catch (ImageNotFoundException e) {
        return false;
      }
    }
    try {
      inspect(name);
      return true;
    } catch (ImageNotFoundException e) {
      return false;
    }
  }

  /** The image's history, newest layer first. */
  public List<JsonNode> history(String name) {
    checkName(name);
    JsonNode arr =
        client
            .transport()
            .json(
                client.get(client.compat("images/" + name + "/history")), Transport.NotFound.IMAGE);
    List<JsonNode> out = new ArrayList<>();
    if (arr != null) {
      arr.forEach(out::add);
    }
    return Collections.unmodifiableList(out);
  }

  // ---------------------------------------------------------------------------------- pull

  /**
   * Pulls one image and returns it. With {@link PullOptions#allTags()} use {@link #pullAllTags}.
   *
   * @throws ImageNotFoundException when the registry has no such repository or tag
   * @throws StreamException when the engine reports an error in the progress stream
   */
  public Image pull(String reference, PullOptions options) {
    return pull(reference, options, null);
  }

  /** Pulls one image, handing each progress item to {@code progress}. */
  public Image pull(String reference, PullOptions options, Consumer<ProgressEvent> progress) {
    if (options.allTags()) {
      throw new InvalidArgumentException("allTags returns several images: use pullAllTags");
    }
    ImageReference ref = pullReference(reference, options);
    List<String> ids = drainPull(reference, options, progress);
    if (client.isPodman() && !ids.isEmpty()) {
      return get(ids.get(ids.size() - 1));
    }
    return get(ref.canonical());
  }

  /** Pulls every tag of the repository; returns the images pulled. */
  public List<Image> pullAllTags(
      String repository, PullOptions options, Consumer<ProgressEvent> progress) {
    PullOptions all =
        new PullOptions(null, true, options.platform(), options.auth(), options.tlsVerify());
    ImageReference ref = pullReference(repository, all);
    List<String> ids = drainPull(repository, all, progress);
    if (client.isPodman() && !ids.isEmpty()) {
      Set<String> unique = new LinkedHashSet<>(ids);
      return unique.stream().map(this::get).toList();
    }
    return list(ListOptions.builder().reference(ref.familiarRepository()).build());
  }

  /**
   * Reads a pull's stream to the end; returns the image IDs libpod reports. A missing repository or
   * tag that the engine reports mid-stream (Podman) becomes {@link ImageNotFoundException}, as
   * Docker's 404 does.
   */
  private List<String> drainPull(
      String reference, PullOptions options, Consumer<ProgressEvent> progress) {
    List<String> ids = new ArrayList<>();
    try (ProgressStream s = pullStream(reference, options)) {
      s.drain(
          e -> {
            JsonNode images = e.raw().path("images");
            if (images.isArray()) {
              images.forEach(i -> ids.add(i.asText()));
            }
            if (progress != null) {
              progress.accept(e);
            }
          });
    } catch (StreamException e) {
      String m = e.getMessage();
      if (m.contains("manifest unknown") || m.contains("name unknown") || m.contains("not found")) {
        throw new ImageNotFoundException(m);
      }
      throw e;
    }
    return ids;
  }

  /**
   * Starts a pull and returns its progress stream (docker-py's {@code stream=True, decode=True}).
   * The caller must read it to the end or close it.
   */
  public ProgressStream pullStream(String reference, PullOptions options) {
    ImageReference ref = pullReference(reference, options);
    Platform platform = Platform.parse(options.platform());
    Map<String, String> headers = authHeader(ref, options.auth(), false);
    HttpUrl.Builder url;
    if (client.isPodman()) {
      url = client.libpod("images/pull").addQueryParameter("reference", podmanReference(ref));
      if (options.allTags()) {
        url.addQueryParameter("allTags", "true");
      }
      if (options.tlsVerify() != null) {
        url.addQueryParameter("tlsVerify", options.tlsVerify().toString());
      }
      if (platform != null) {
        url.addQueryParameter("os", platform.os());
        if (platform.arch() != null) {
          url.addQueryParameter("arch", platform.arch());
        }
        if (platform.variant() != null) {
          url.addQueryParameter("variant", platform.variant());
        }
      }
    } else {
      url = client.compat("images/create").addQueryParameter("fromImage", ref.familiarRepository());
      if (!options.allTags()) {
        url.addQueryParameter("tag", ref.digest().orElseGet(() -> ref.tag().orElseThrow()));
      }
      if (platform != null) {
        url.addQueryParameter("platform", options.platform());
      }
    }
    Request request =
        client.transport().request(url.build(), headers).post(Transport.emptyBody()).build();
    Response response = client.transport().execute(request, true, Transport.NotFound.IMAGE);
    return new ProgressStream(response, "pull " + ref.familiar());
  }

  private static ImageReference pullReference(String reference, PullOptions options) {
    ImageReference ref = ImageReference.parse(reference);
    if (options.allTags()) {
      return ref.withoutTagAndDigest();
    }
    if (options.tag() != null && !options.tag().isEmpty()) {
      if (ref.hasDigest()) {
        throw new InvalidArgumentException(
            "invalid pull of '" + reference + "': a digest reference takes no tag");
      }
      if (options.tag().startsWith("sha256:")) {
        return ref.withoutTagAndDigest().withDigest(options.tag());
      }
      return ref.withTag(options.tag());
    }
    return ref.withDefaultTag();
  }

  private static String podmanReference(ImageReference ref) {
    // libpod wants the fully qualified name; a digest reference drops its tag.
    return ref.hasDigest() ? ref.repository() + "@" + ref.digest().orElseThrow() : ref.canonical();
  }

  // ---------------------------------------------------------------------------------- push

  /**
   * Pushes a repository's tag; returns what was pushed and the digest the registry reports.
   *
   * @throws ImageNotFoundException when the engine has no such local image
   * @throws StreamException when the registry refuses it (auth, unreachable, ...)
   */
  public PushResult push(String repository, PushOptions options, Consumer<ProgressEvent> progress) {
    ImageReference ref = pushReference(repository, options);
    String[] digest = new String[1];
    try (ProgressStream s = pushStream(repository, options)) {
      s.drain(
          e -> {
            String d = e.aux().path("Digest").asText(null);
            if (d == null) {
              d = e.raw().path("manifestdigest").asText(null);
            }
            if (d == null && e.status() != null) {
              d = digestIn(e.status());
            }
            if (d != null) {
              digest[0] = d;
            }
            if (progress != null) {
              progress.accept(e);
            }
          });
    }
    String target = options.destination() != null ? options.destination() : ref.familiar();
    return new PushResult(target, digest[0]);
  }

  private static String digestIn(String status) {
    int i = status.indexOf("digest: sha256:");
    if (i < 0) {
      return null;
    }
    String rest = status.substring(i + "digest: ".length());
    return rest.length() >= 71 ? rest.substring(0, 71) : null;
  }

  /**
   * Starts a push and returns its progress stream. The caller must read it to the end or close it.
   */
  public ProgressStream pushStream(String repository, PushOptions options) {
    ImageReference ref = pushReference(repository, options);
    ImageReference target =
        options.destination() != null ? ImageReference.parse(options.destination()) : ref;
    Map<String, String> headers = authHeader(target, options.auth(), true);
    HttpUrl.Builder url;
    // Podman's libpod push is needed for destination/tlsVerify, but it reports no digest: the
    // compat endpoint is used otherwise.
    if (client.isPodman() && (options.destination() != null || options.tlsVerify() != null)) {
      url = client.libpod("images/" + ref.canonical() + "/push");
      url.addQueryParameter("destination", target.canonical());
      if (options.tlsVerify() != null) {
        url.addQueryParameter("tlsVerify", options.tlsVerify().toString());
      }
      url.addQueryParameter("quiet", "false");
    } else {
      if (options.destination() != null) {
        throw new UnsupportedOperationException(
            "push destination is a Podman option; on Docker, tag the image as '"
                + options.destination()
                + "' and push that");
      }
      url = client.compat("images/" + ref.familiarRepository() + "/push");
      url.addQueryParameter("tag", ref.tag().orElseThrow());
    }
    Request request =
        client.transport().request(url.build(), headers).post(Transport.emptyBody()).build();
    Response response = client.transport().execute(request, true, Transport.NotFound.IMAGE);
    return new ProgressStream(response, "push " + target.familiar());
  }

  private static ImageReference pushReference(String repository, PushOptions options) {
    ImageReference ref = ImageReference.parse(repository);
    if (ref.hasDigest()) {
      throw new InvalidArgumentException(
          "invalid push of '" + repository + "': push a tag, not a digest");
    }
    if (options.tag() != null && !options.tag().isEmpty()) {
      return ref.withTag(options.tag());
    }
    return ref.withDefaultTag();
  }

  /**
   * What a push did.
   *
   * @param reference the reference pushed to
   * @param digest the manifest digest the registry reported, null when the engine didn't say
   */
  public record PushResult(String reference, String digest) {}

  // ---------------------------------------------------------------------------- tag / remove

  /**
   * Tags an image as {@code repository[:tag]} (tag defaults to {@code latest}). {@code force} is
   * accepted for compatibility: engines always move an existing tag.
   *
   * @throws ImageNotFoundException when the source image doesn't exist
   */
  public boolean tag(String image, String repository, String tag, boolean force) {
    checkName(image);
    ImageReference target =
        ImageReference.parse(repository + (tag == null || tag.isEmpty() ? "" : ":" + tag));
    if (target.hasDigest()) {
      throw new InvalidArgumentException("invalid tag '" + target + "': a tag cannot be a digest");
    }
    target = target.withDefaultTag();
    HttpUrl.Builder url =
        client
            .compat("images/" + image + "/tag")
            .addQueryParameter("repo", target.familiarRepository())
            .addQueryParameter("tag", target.tag().orElseThrow());
    Request request =
        client.transport().request(url.build(), null).post(Transport.emptyBody()).build();
    try (Response ignored = client.transport().execute(request, false, Transport.NotFound.IMAGE)) {
      return true;
    }
  }

  /**
   * Removes an image by reference or ID. Without {@code force}, an image used by a container or
   * (for an ID) known by several tags is refused with a 409 {@link ApiException}. {@code noprune}
   * keeps untagged parents on Docker; Podman ignores it (as podman-py documents).
   *
   * @throws ImageNotFoundException when there is no such image
   */
  public RemoveReport remove(String image, boolean force, boolean noprune) {
    checkName(image);
    if (client.isPodman()) {
      HttpUrl.Builder url = client.libpod("images/" + image);
      if (force) {
        url.addQueryParameter("force", "true");
      }
      Request request = client.transport().request(url.build(), null).delete().build();
      JsonNode r = client.transport().json(request, Transport.NotFound.IMAGE);
      return new RemoveReport(
          texts(r.path("Deleted")),
          texts(r.path("Untagged")),
          texts(r.path("Errors")),
          r.path("ExitCode").asInt(0));
    }
    HttpUrl.Builder url = client.compat("images/" + image);
    if (force) {
      url.addQueryParameter("force", "true");
    }
    if (noprune) {
      url.addQueryParameter("noprune", "true");
    }
    Request request = client.transport().request(url.build(), null).delete().build();
    JsonNode arr = client.transport().json(request, Transport.NotFound.IMAGE);
    List<String> deleted = new ArrayList<>();
    List<String> untagged = new ArrayList<>();
    if (arr != null) {
      for (JsonNode item : arr) {
        if (item.hasNonNull("Deleted")) {
          deleted.add(item.get("Deleted").asText());
        }
        if (item.hasNonNull("Untagged")) {
          untagged.add(item.get("Untagged").asText());
        }
      }
    }
    return new RemoveReport(deleted, untagged, List.of(), 0);
  }

  private static List<String> texts(JsonNode arr) {
    List<String> out = new ArrayList<>();
    if (arr != null && arr.isArray()) {
      arr.forEach(n -> out.add(n.asText()));
    }
    return out;
  }

  // ---------------------------------------------------------------------------------- prune

  /**
   * {@code POST /images/prune}: deletes unused images matching the filters. Podman 4 ignores
   * negated label filters ({@code label!}); there the client selects the images itself (list with
   * the positive filters, drop those carrying a negated label) and removes them one by one without
   * force, so images used by containers stay.
   */
  public PruneReport prune(PruneOptions options) {
    if (client.isPodman() && options.filters().containsKey("label!")) {
      return pruneSelectively(options);
    }
    HttpUrl.Builder url = client.compat("images/prune");
    if (!options.filters().isEmpty()) {
      url.addQueryParameter("filters", Filters.encode(options.filters()));
    }
    Request request =
        client.transport().request(url.build(), null).post(Transport.emptyBody()).build();
    JsonNode r = client.json(request);
    List<PruneReport.DeletedItem> items = new ArrayList<>();
    if (r != null) {
      for (JsonNode i : r.path("ImagesDeleted")) {
        items.add(
            new PruneReport.DeletedItem(
                i.path("Untagged").asText(null), i.path("Deleted").asText(null)));
      }
    }
    return new PruneReport(items, r == null ? 0 : r.path("SpaceReclaimed").asLong(0));
  }

  private PruneReport pruneSelectively(PruneOptions options) {
    Map<String, List<String>> positive = new HashMap<>(options.filters());
    List<String> negated = positive.remove("label!");
    if (!positive.containsKey("dangling")) {
      positive.put("dangling", List.of("true"));
    }
    boolean danglingOnly = positive.get("dangling").contains("true");
    if (!danglingOnly) {
      positive.remove("dangling");
    }
    HttpUrl.Builder url = client.libpod("images/json");
    url.addQueryParameter("filters", Filters.encode(positive));
    JsonNode arr = client.json(client.get(url));
    List<PruneReport.DeletedItem> items = new ArrayList<>();
    long reclaimed = 0;
    for (JsonNode n : arr == null ? List.<JsonNode>of() : iterable(arr)) {
      Image image = new Image(this, n);
      if (danglingOnly && !image.tags().isEmpty()) {
        continue;
      }
      if (negated.stream().anyMatch(l -> hasLabel(image.labels(), l))) {
        continue;
      }
      try {
        RemoveReport r = remove(image.id(), false, false);
        r.untagged().forEach(u -> items.add(new PruneReport.DeletedItem(u, null)));
        r.deleted().forEach(d -> items.add(new PruneReport.DeletedItem(null, d)));
        reclaimed += image.size();
      } catch (ApiException e) {
        // in use by a container, or gone meanwhile: a prune leaves it
      }
    }
    return new PruneReport(items, reclaimed);
  }

  private static List<JsonNode> iterable(JsonNode arr) {
    List<JsonNode> out = new ArrayList<>();
    arr.forEach(out::add);
    return out;
  }

  /** {@code key} or {@code key=value} against a label map. */
  static boolean hasLabel(Map<String, String> labels, String expression) {
    int eq = expression.indexOf('=');
    if (eq < 0) {
      return labels.containsKey(expression);
    }
    return expression.substring(eq + 1).equals(labels.get(expression.substring(0, eq)));
  }

  /**
   * {@code POST /build/prune}. On Podman this returns the empty report podman-py documents without
   * calling the engine. On engines before API 1.48, {@code reservedSpace} is sent as {@code
   * keep-storage}, and {@code maxUsedSpace}/{@code minFreeSpace} are refused.
   */
  public BuildPruneReport pruneBuilds(PruneBuildsOptions options) {
    if (client.isPodman()) {
      return new BuildPruneReport(List.of(), 0);
    }
    HttpUrl.Builder url = client.compat("build/prune");
    boolean modern = client.apiAtLeast("1.48");
    if (options.reservedSpace() != null) {
      url.addQueryParameter(
          modern ? "reserved-space" : "keep-storage", options.reservedSpace().toString());
    }
    if (options.maxUsedSpace() != null || options.minFreeSpace() != null) {
      if (!modern) {
        throw new UnsupportedOperationException(
            "max_used_space and min_free_space need Docker API 1.48; this engine speaks "
                + client.info().apiVersion());
      }
      if (options.maxUsedSpace() != null) {
        url.addQueryParameter("max-used-space", options.maxUsedSpace().toString());
      }
      if (options.minFreeSpace() != null) {
        url.addQueryParameter("min-free-space", options.minFreeSpace().toString());
      }
    }
    if (options.all() != null) {
      url.addQueryParameter("all", options.all().toString());
    }
    if (!options.filters().isEmpty()) {
      url.addQueryParameter("filters", Filters.encode(options.filters()));
    }
    Request request =
        client.transport().request(url.build(), null).post(Transport.emptyBody()).build();
    JsonNode r = client.json(request);
    return new BuildPruneReport(
        r == null ? List.of() : texts(r.path("CachesDeleted")),
        r == null ? 0 : r.path("SpaceReclaimed").asLong(0));
  }

  // --------------------------------------------------------------------------------- import

  /**
   * Imports a root filesystem tarball (plain or compressed) as a new image, streaming it from
   * {@code tarball} without buffering it (docker-py's {@code import_image_from_stream}). Returns
   * the new image.
   *
   * @throws StreamException when the engine reports an error (e.g. not a tarball)
   */
  public Image importImage(java.io.InputStream tarball, ImportOptions options) {
    ImageReference target = null;
    if (options.repository() != null) {
      target =
          ImageReference.parse(
                  options.repository() + (options.tag() == null ? "" : ":" + options.tag()))
              .withDefaultTag();
    }
    // Podman's compat import ignores the tag and merges LABEL changes: libpod's is exact.
    HttpUrl.Builder url;
    if (client.isPodman()) {
      url = client.libpod("images/import");
      if (target != null) {
        url.addQueryParameter("reference", target.canonical());
      }
    } else {
      url = client.compat("images/create").addQueryParameter("fromSrc", "-");
      if (target != null) {
        url.addQueryParameter("repo", target.familiarRepository());
        url.addQueryParameter("tag", target.tag().orElseThrow());
      }
    }
    for (String change : options.changes()) {
      url.addQueryParameter("changes", change);
    }
    if (options.message() != null) {
      url.addQueryParameter("message", options.message());
    }
    if (options.platform() != null) {
      Platform.parse(options.platform());
      url.addQueryParameter("platform", options.platform());
    }
    okhttp3.RequestBody body = new StreamBody(tarball);
    Request request = client.transport().request(url.build(), null).post(body).build();
    Response response = client.transport().execute(request, true, Transport.NotFound.OTHER);
    String[] id = new String[1];
    try (ProgressStream s = new ProgressStream(response, "import")) {
      s.drain(
          e -> {
            String status = e.status();
            if (status != null && status.matches("(sha256:)?[0-9a-f]{64}")) {
              id[0] = status;
            }
            if (e.stream() != null && e.stream().strip().matches("(sha256:)?[0-9a-f]{64}")) {
              id[0] = e.stream().strip();
            }
            if (e.raw().hasNonNull("Id")) {
              id[0] = e.raw().get("Id").asText();
            }
          });
    }
    if (id[0] != null) {
      return get(id[0]);
    }
    if (target != null) {
      return get(target.canonical());
    }
    throw new StreamException("import: the engine did not report the new image's ID");
  }

  /** Imports a tarball file; see {@link #importImage(java.io.InputStream, ImportOptions)}. */
  public Image importImage(java.nio.file.Path tarball, ImportOptions options) {
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(tarball)) {
      return importImage(in, options);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new InvalidArgumentException("import: no such file " + tarball);
    } catch (java.io.IOException e) {
      throw new InvalidArgumentException("import: cannot read " + tarball + ": " + e.getMessage());
    }
  }

  /** A request body copied from a stream as OkHttp writes it: never buffered whole. */
  static final class StreamBody extends okhttp3.RequestBody {
    private final java.io.InputStream in;

    StreamBody(java.io.InputStream in) {
      this.in = in;
    }

    @Override
    public okhttp3.MediaType contentType() {
      return Transport.TAR_TYPE;
    }

    @Override
    public void writeTo(okio.BufferedSink sink) throws java.io.IOException {
      try (okio.Source source = okio.Okio.source(in)) {
        sink.writeAll(source);
      }
    }

    @Override
    public boolean isOneShot() {
      return true;
    }
  }

  // ---------------------------------------------------------------------------------- helpers

  /** Credentials header: the call's own, else the configured ones for the registry. */
  private Map<String, String> authHeader(
      ImageReference ref, AuthConfig explicit, boolean required) {
    Optional<AuthConfig> auth =
        explicit != null ? Optional.of(explicit) : client.credentials().forRegistry(ref.domain());
    if (auth.isPresent()) {
      AuthConfig a = auth.get();
      if (a.serverAddress() == null) {
        a = a.withServerAddress(ref.domain());
      }
      return Map.of("X-Registry-Auth", a.toHeader());
    }
    // Docker's push insists on the header; an empty auth object means "no credentials".
    return required ? Map.of("X-Registry-Auth", "e30=") : Map.of();
  }

  /**
   * Validates an image name (reference or ID) without calling the engine.
   *
   * @throws InvalidArgumentException naming the value and what is wrong
   */
  public static void checkName(String name) {
    if (name == null || name.isBlank()) {
      throw new InvalidArgumentException("image name must not be empty");
    }
    if (ImageReference.looksLikeId(name)) {
      return;
    }
    ImageReference.parse(name);
  }

  /** A platform {@code os[/arch[/variant]]}. */
  record Platform(String os, String arch, String variant) {
    static Platform parse(String text) {
      if (text == null || text.isBlank()) {
        return null;
      }
      String[] p = text.split("/");
      if (p.length > 3 || java.util.Arrays.stream(p).anyMatch(String::isBlank)) {
        throw new InvalidArgumentException(
            "invalid platform '" + text + "': expected os[/arch[/variant]]");
      }
      return new Platform(p[0], p.length > 1 ? p[1] : null, p.length > 2 ? p[2] : null);
    }
  }
}
