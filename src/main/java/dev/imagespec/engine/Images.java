package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
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
    okhttp3.Call call = client.transport().newCall(request, true);
    Response response = client.transport().execute(call, Transport.NotFound.IMAGE);
    return new ProgressStream(response, "pull " + ref.familiar(), call);
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
    okhttp3.Call call = client.transport().newCall(request, true);
    Response response = client.transport().execute(call, Transport.NotFound.IMAGE);
    return new ProgressStream(response, "push " + target.familiar(), call);
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
   * the positive filters, drop those carrying a negated label and those any container uses) and
   * removes them one by one without force; {@code spaceReclaimed} counts the images deleted.
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
    JsonNode r = client.transport().json(request, Transport.NotFound.OTHER, true);
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
    // as Docker's prune: an image any container uses (running or not) is not a candidate; asked
    // first, because untagging an image with several names would succeed even when it is in use
    Set<String> inUse = new HashSet<>();
    client.containers().list().forEach(c -> inUse.add(c.imageId()));
    List<PruneReport.DeletedItem> items = new ArrayList<>();
    long reclaimed = 0;
    for (JsonNode n : arr == null ? List.<JsonNode>of() : iterable(arr)) {
      Image image = new Image(this, n);
      if (danglingOnly && !image.tags().isEmpty()) {
        continue;
      }
      if (inUse.contains(image.id())
          || negated.stream().anyMatch(l -> hasLabel(image.labels(), l))) {
        continue;
      }
      // by ID when it has at most one name; else name by name (Podman refuses an ID with several
      // names without force), the last one deleting the image
      List<String> names = image.tags().size() > 1 ? image.tags() : List.of(image.id());
      boolean deleted = false;
      for (String name : names) {
        try {
          RemoveReport r = remove(name, false, false);
          r.untagged().forEach(u -> items.add(new PruneReport.DeletedItem(u, null)));
          r.deleted().forEach(d -> items.add(new PruneReport.DeletedItem(null, d)));
          deleted |= !r.deleted().isEmpty();
        } catch (ApiException e) {
          // used by a container created meanwhile, or gone: a prune leaves it
          break;
        }
      }
      if (deleted) {
        reclaimed += image.size();
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
    JsonNode r = client.transport().json(request, Transport.NotFound.OTHER, true);
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
    return doImport(new StreamBody(tarball), null, options);
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

  /** Imports a tarball held in memory (docker-py's {@code import_image_from_data}). */
  public Image importImageFromData(byte[] data, ImportOptions options) {
    return doImport(okhttp3.RequestBody.create(data, Transport.TAR_TYPE), null, options);
  }

  /**
   * Imports a tarball that the engine downloads from {@code url} (docker-py's {@code
   * import_image_from_url}: Docker's {@code fromSrc=URL}, libpod's {@code url}). The engine, not
   * this client, fetches it: the URL must be reachable from the engine.
   *
   * @throws InvalidArgumentException for anything but an http or https URL
   */
  public Image importImageFromUrl(String url, ImportOptions options) {
    okhttp3.HttpUrl parsed = url == null ? null : okhttp3.HttpUrl.parse(url);
    if (parsed == null) {
      throw new InvalidArgumentException(
          "import: '" + url + "' is not an http or https URL the engine can fetch");
    }
    return doImport(Transport.emptyBody(), url, options);
  }

  /**
   * Makes a new image from another one, like a Dockerfile's {@code FROM} (docker-py's {@code
   * import_image_from_image}): a build of {@code FROM image} followed by the options' {@code
   * changes} (Dockerfile instructions), named {@code repository:tag}. docker-py sends {@code
   * fromImage}, which engines take as a pull that ignores repository, tag and changes; a build does
   * what the method promises, on both engines, for local images too. The image is pulled when
   * absent; {@code platform} is the build's; {@code message} (a history comment) cannot be set this
   * way and raises {@link UnsupportedOperationException}.
   */
  public Image importImageFromImage(String image, ImportOptions options) {
    checkName(image);
    StringBuilder dockerfile = new StringBuilder("FROM ").append(image).append('\n');
    for (String change : options.changes()) {
      if (change.contains("\n") || change.contains("\r")) {
        throw new InvalidArgumentException(
            "import: a change must be one Dockerfile instruction: '" + change + "'");
      }
      if (change.strip().toUpperCase(java.util.Locale.ROOT).startsWith("FROM")) {
        throw new InvalidArgumentException("import: FROM is not a change: '" + change + "'");
      }
      dockerfile.append(change).append('\n');
    }
    if (options.message() != null) {
      throw new UnsupportedOperationException(
          "import from an image: 'message' (a history comment) cannot be set by a build");
    }
    BuildOptions.Builder b = BuildOptions.builder().platform(options.platform());
    if (options.repository() != null) {
      b.tag(options.repository() + (options.tag() == null ? "" : ":" + options.tag()));
    }
    return build(BuildContext.dockerfile(dockerfile.toString()), b.build()).image();
  }

  private Image doImport(okhttp3.RequestBody body, String fromUrl, ImportOptions options) {
    ImageReference target = null;
    if (options.repository() != null) {
      target =
          ImageReference.parse(
                  options.repository() + (options.tag() == null ? "" : ":" + options.tag()))
              .withDefaultTag();
      if (target.hasDigest()) {
        throw new InvalidArgumentException(
            "import: repository '" + options.repository() + "' must not contain a digest");
      }
    }
    // Podman's compat import ignores the tag and merges LABEL changes: libpod's is exact.
    HttpUrl.Builder url;
    if (client.isPodman()) {
      url = client.libpod("images/import");
      if (target != null) {
        url.addQueryParameter("reference", target.canonical());
      }
      if (fromUrl != null) {
        url.addQueryParameter("url", fromUrl);
      }
    } else {
      url =
          client
              .compat("images/create")
              .addQueryParameter("fromSrc", fromUrl == null ? "-" : fromUrl);
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

  // ---------------------------------------------------------------------------------- build

  /**
   * Builds an image and returns it with the build's log (podman-py's {@code build}, docker-py's
   * {@code build} read to the end).
   *
   * <p>Docker: {@code POST /build}. Podman: libpod's {@code /build}, which has what the compat
   * endpoint lacks on Podman 4 ({@code remote}, and the same {@code layers}/{@code output}/{@code
   * outputformat}); tags are sent fully qualified ({@code docker.io/team/app:1}) so the image gets
   * the names Docker would give it, not libpod's {@code localhost/} ones.
   *
   * @throws BuildException when a step fails (the exception carries the log)
   * @throws InvalidArgumentException for a malformed tag, platform or unreadable context, before
   *     any call
   */
  public BuildResult build(BuildContext context, BuildOptions options) {
    return build(context, options, null);
  }

  /** Builds an image, handing each item of the build's stream to {@code progress}. */
  public BuildResult build(
      BuildContext context, BuildOptions options, Consumer<ProgressEvent> progress) {
    BuildLog log = new BuildLog();
    String[] id = new String[1];
    try (ProgressStream s = openBuild(context, options, log)) {
      s.drain(
          e -> {
            id[0] = BuildLog.imageId(e, id[0]);
            if (progress != null) {
              progress.accept(e);
            }
          });
    }
    if (id[0] == null) {
      throw new BuildException(
          "build: the engine did not report the image's ID", null, log.lines());
    }
    return new BuildResult(get(id[0]), log.lines());
  }

  /**
   * Starts a build and returns its stream (docker-py's {@code stream=True, decode=True}): {@code
   * stream} log lines, {@code aux} with the image ID on Docker, the ID as the last line on Podman.
   * An error item raises {@link BuildException} with the log so far. The caller must read it to the
   * end or close it.
   */
  public ProgressStream buildStream(BuildContext context, BuildOptions options) {
    return openBuild(context, options, new BuildLog());
  }

  private ProgressStream openBuild(BuildContext context, BuildOptions o, BuildLog log) {
    List<ImageReference> tags = new ArrayList<>();
    for (String t : o.tags()) {
      ImageReference r = ImageReference.parse(t);
      if (r.hasDigest()) {
        throw new InvalidArgumentException("invalid build tag '" + t + "': a tag, not a digest");
      }
      tags.add(r.withDefaultTag());
    }
    Platform.parse(o.platform());
    o.extraHosts()
        .forEach(
            (host, ip) -> {
              if (host.isBlank()
                  || ip.isBlank()
                  || (host + ip).chars().anyMatch(Character::isWhitespace)) {
                throw new InvalidArgumentException("invalid extra host '" + host + ":" + ip + "'");
              }
            });
    o.cacheFrom().forEach(Images::checkName);
    // The context is checked (and a directory listed) before any engine call.
    BuildContext.Prepared p = context.prepare(o.dockerfile());
    boolean podman = client.isPodman();
    if (!podman) {
      podmanOnly("layers", o.layers() != null);
      podmanOnly("output", o.output() != null);
      podmanOnly("outputFormat", o.outputFormat() != null);
    }
    HttpUrl.Builder url = podman ? client.libpod("build") : client.compat("build");
    if (p.dockerfileParam() != null) {
      url.addQueryParameter("dockerfile", p.dockerfileParam());
    }
    for (ImageReference t : tags) {
      url.addQueryParameter("t", podman ? t.canonical() : t.familiar());
    }
    if (context.kind() == BuildContext.Kind.REMOTE) {
      url.addQueryParameter("remote", context.remote());
    }
    flag(url, "q", o.quiet());
    flag(url, "nocache", o.nocache());
    if (o.rm() != null) {
      url.addQueryParameter("rm", o.rm().toString());
    }
    flag(url, "forcerm", o.forcerm());
    flag(url, "pull", o.pull());
    if (!o.buildargs().isEmpty()) {
      url.addQueryParameter("buildargs", json(o.buildargs()));
    }
    if (!o.labels().isEmpty()) {
      url.addQueryParameter("labels", json(o.labels()));
    }
    if (o.target() != null) {
      url.addQueryParameter("target", o.target());
    }
    if (!o.cacheFrom().isEmpty()) {
      url.addQueryParameter("cachefrom", json(o.cacheFrom()));
    }
    if (o.networkMode() != null) {
      url.addQueryParameter("networkmode", o.networkMode());
    }
    if (o.platform() != null) {
      url.addQueryParameter("platform", o.platform());
    }
    if (!o.extraHosts().isEmpty()) {
      List<String> hosts = new ArrayList<>();
      o.extraHosts().forEach((h, ip) -> hosts.add(h + ":" + ip));
      if (podman) {
        url.addQueryParameter("extrahosts", json(hosts)); // libpod wants a JSON array
      } else {
        hosts.forEach(h -> url.addQueryParameter("extrahosts", h));
      }
    }
    if (o.shmsize() != null) {
      url.addQueryParameter("shmsize", o.shmsize().toString());
    }
    ContainerLimits l = o.containerLimits();
    param(url, "memory", l.memory());
    param(url, "memswap", l.memswap());
    param(url, "cpushares", l.cpushares());
    param(url, "cpusetcpus", l.cpusetcpus());
    param(url, "cpuperiod", l.cpuperiod());
    param(url, "cpuquota", l.cpuquota());
    flag(url, "squash", o.squash());
    if (o.layers() != null) {
      url.addQueryParameter("layers", o.layers().toString());
    }
    param(url, "output", o.output());
    param(url, "outputformat", o.outputFormat());

    Map<String, String> headers = new HashMap<>();
    Map<String, AuthConfig> registries = registryConfig(o, p.dockerfileText());
    if (!registries.isEmpty()) {
      headers.put("X-Registry-Config", registryConfigHeader(registries));
    }
    if (p.contentEncoding() != null) {
      headers.put("Content-Encoding", p.contentEncoding());
    }
    okhttp3.RequestBody body = p.body() != null ? p.body() : Transport.emptyBody();
    Request request = client.transport().request(url.build(), headers).post(body).build();
    okhttp3.Call call = client.transport().newCall(request, true);
    Response response;
    try {
      response = client.transport().execute(call, Transport.NotFound.OTHER);
    } catch (EngineUnavailableException e) {
      if (p.body() instanceof BuildContext.ContextBody cb && cb.failure() != null) {
        throw new InvalidArgumentException(
            "build context: " + Transport.describe(cb.failure()) + " (while sending it)");
      }
      throw e;
    }
    return new ProgressStream(
        response, "build", call, log, (m, item) -> new BuildException(m, item, log.lines()));
  }

  private void podmanOnly(String option, boolean set) {
    if (set) {
      throw new UnsupportedOperationException(
          "build option '"
              + option
              + "' is a Podman option; the docker engine at "
              + client.endpoint()
              + " has no equivalent");
    }
  }

  private static void flag(HttpUrl.Builder url, String name, boolean value) {
    if (value) {
      url.addQueryParameter(name, "true");
    }
  }

  private static void param(HttpUrl.Builder url, String name, Object value) {
    if (value != null) {
      url.addQueryParameter(name, value.toString());
    }
  }

  private static String json(Object value) {
    try {
      return Transport.JSON.writeValueAsString(value);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The registries → credentials a build sends: the options' own, else the client's credentials for
   * the registries of the Dockerfile's base images and of {@code cacheFrom}.
   */
  Map<String, AuthConfig> registryConfig(BuildOptions o, String dockerfileText) {
    Map<String, AuthConfig> out = new java.util.LinkedHashMap<>();
    if (!o.registryConfig().isEmpty()) {
      o.registryConfig()
          .forEach((registry, auth) -> out.put(configKey(registry), withServer(auth, registry)));
      return out;
    }
    Set<String> domains = new LinkedHashSet<>();
    List<String> images = new ArrayList<>(o.cacheFrom());
    if (dockerfileText != null) {
      images.addAll(DockerfileRefs.baseImages(dockerfileText, o.buildargs()));
    }
    for (String image : images) {
      try {
        domains.add(ImageReference.parse(image).domain());
      } catch (InvalidArgumentException e) {
        // an unresolved ARG or a stage name: no registry to look up
      }
    }
    for (String domain : domains) {
      client
          .credentials()
          .forRegistry(domain)
          .ifPresent(a -> out.put(configKey(domain), withServer(a, domain)));
    }
    return out;
  }

  private static String configKey(String registry) {
    return registry.equals("docker.io") || registry.equals("index.docker.io")
        ? DockerConfigCredentials.DOCKER_HUB_SERVER
        : registry;
  }

  private static AuthConfig withServer(AuthConfig a, String registry) {
    return a.serverAddress() == null ? a.withServerAddress(configKey(registry)) : a;
  }

  /** {@code X-Registry-Config}: base64url of the JSON map registry → AuthConfig. */
  static String registryConfigHeader(Map<String, AuthConfig> config) {
    return java.util.Base64.getUrlEncoder()
        .encodeToString(json(config).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Keeps a build's log lines (stream text split at newlines) and finds the image ID. */
  static final class BuildLog implements Consumer<ProgressEvent> {
    private static final java.util.regex.Pattern FULL_ID =
        java.util.regex.Pattern.compile("(sha256:)?[0-9a-f]{64}");
    private static final java.util.regex.Pattern BUILT =
        java.util.regex.Pattern.compile("Successfully built ([0-9a-f]{12,64})\\s*");
    private final List<String> lines = new ArrayList<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public synchronized void accept(ProgressEvent e) {
      if (e.stream() != null) {
        partial.append(e.stream());
        int nl;
        while ((nl = partial.indexOf("\n")) >= 0) {
          lines.add(partial.substring(0, nl).stripTrailing());
          partial.delete(0, nl + 1);
        }
      } else if (e.isError()) {
        flush();
        lines.add("ERROR: " + e.error().strip());
      } else if (e.status() != null) {
        flush();
        lines.add(e.describe());
      }
    }

    private void flush() {
      if (partial.length() > 0) {
        lines.add(partial.toString().stripTrailing());
        partial.setLength(0);
      }
    }

    synchronized List<String> lines() {
      List<String> out = new ArrayList<>(lines);
      if (partial.length() > 0) {
        out.add(partial.toString().stripTrailing());
      }
      return out;
    }

    /** The image ID an item reports, else {@code current}: a full ID beats a short one. */
    static String imageId(ProgressEvent e, String current) {
      String aux = e.aux().path("ID").asText(null);
      if (aux != null && FULL_ID.matcher(aux).matches()) {
        return aux;
      }
      if (e.stream() != null) {
        String line = e.stream().strip();
        if (FULL_ID.matcher(line).matches()) {
          return line;
        }
        java.util.regex.Matcher m = BUILT.matcher(line);
        if (m.matches() && (current == null || !FULL_ID.matcher(current).matches())) {
          return m.group(1);
        }
      }
      return current;
    }
  }

  // ----------------------------------------------------------------------------- save / load

  /**
   * Saves images as one {@code docker-archive} tarball streamed from the engine (docker-py's {@code
   * get_image}, aiodocker's {@code export_image}, {@code docker save}). Docker: {@code GET
   * /images/get}; Podman: libpod's {@code /images/{name}/get} (one image) or {@code /images/export}
   * (several), both {@code format=docker-archive}.
   *
   * @throws ImageNotFoundException when an image does not exist
   */
  public ImageArchive save(List<String> names, SaveOptions options) {
    if (names == null || names.isEmpty()) {
      throw new InvalidArgumentException("save: name at least one image");
    }
    names.forEach(Images::checkName);
    List<String> resolved = saveNames(names, options);
    HttpUrl.Builder url;
    if (client.isPodman()) {
      if (resolved.size() == 1) {
        url = client.libpod("images/" + resolved.get(0) + "/get");
      } else {
        url = client.libpod("images/export");
        resolved.forEach(n -> url.addQueryParameter("references", n));
      }
      url.addQueryParameter("format", "docker-archive");
    } else {
      url = client.compat("images/get");
      resolved.forEach(n -> url.addQueryParameter("names", n));
    }
    Request request = client.get(url);
    okhttp3.Call call = client.transport().newCall(request, true);
    Response response;
    try {
      response = client.transport().execute(call, Transport.NotFound.IMAGE);
    } catch (ApiException e) {
      if (!(e instanceof ImageNotFoundException) && e.getMessage().contains("image not known")) {
        throw new ImageNotFoundException(e.getMessage()); // libpod export answers 400
      }
      throw e;
    }
    return new ImageArchive(response, call, options.chunkSize(), resolved);
  }

  /** Saves one image; see {@link #save(List, SaveOptions)}. */
  public ImageArchive save(String name, SaveOptions options) {
    return save(List.of(name), options);
  }

  private List<String> saveNames(List<String> names, SaveOptions options) {
    if (options.named() == null) {
      return List.copyOf(names);
    }
    if (options.namedTag() != null && names.size() != 1) {
      throw new InvalidArgumentException("save: a named tag names one image, not " + names.size());
    }
    List<String> out = new ArrayList<>();
    for (String name : names) {
      Image image = get(name);
      if (!options.named()) {
        out.add(image.id());
      } else if (options.namedTag() != null) {
        ImageReference wanted = ImageReference.parse(options.namedTag()).withDefaultTag();
        boolean has =
            image.tags().stream()
                .anyMatch(t -> ImageReference.parse(t).withDefaultTag().equals(wanted));
        if (!has) {
          throw new InvalidArgumentException(
              "save: '" + options.namedTag() + "' is not a tag of " + name + " " + image.tags());
        }
        out.add(options.namedTag());
      } else {
        if (image.tags().isEmpty()) {
          throw new InvalidArgumentException("save: " + name + " has no tag to name it by");
        }
        out.add(image.tags().get(0));
      }
    }
    return out;
  }

  /**
   * Loads images from a {@code docker-archive} (or OCI) tarball streamed from {@code tarball},
   * never buffered (docker-py's {@code load_image}, podman-py's {@code load}); returns them.
   * Docker: the names come from its {@code Loaded image: X} / {@code Loaded image ID: sha256:...}
   * lines; Podman: libpod's {@code Names}.
   *
   * @throws InvalidArchiveException when the engine cannot read the tarball
   */
  public List<Image> load(java.io.InputStream tarball) {
    return load(tarball, null);
  }

  /**
   * Loads images, handing Docker's progress items to {@code progress} (docker-py's {@code
   * quiet=False}; null: {@code quiet}). Podman reports no progress.
   */
  public List<Image> load(java.io.InputStream tarball, Consumer<ProgressEvent> progress) {
    List<String> names = new ArrayList<>();
    okhttp3.RequestBody body = new StreamBody(tarball);
    try {
      if (client.isPodman()) {
        Request request =
            client
                .transport()
                .request(client.libpod("images/load").build(), null)
                .post(body)
                .build();
        // The stream client: Podman answers only once it has stored every layer.
        try (Response r = client.transport().execute(request, true, Transport.NotFound.OTHER)) {
          JsonNode answer = Transport.JSON.readTree(r.body().byteStream());
          names.addAll(texts(answer == null ? null : answer.path("Names")));
        } catch (java.io.IOException e) {
          throw new EngineUnavailableException(
              "load: cannot read engine answer: " + Transport.describe(e), e);
        }
      } else {
        HttpUrl.Builder url = client.compat("images/load");
        if (progress == null) {
          url.addQueryParameter("quiet", "1");
        }
        Request request = client.transport().request(url.build(), null).post(body).build();
        Response response = client.transport().execute(request, true, Transport.NotFound.OTHER);
        try (ProgressStream s = new ProgressStream(response, "load")) {
          s.drain(
              e -> {
                String loaded = loadedName(e.stream());
                if (loaded != null) {
                  names.add(loaded);
                }
                if (progress != null) {
                  progress.accept(e);
                }
              });
        }
      }
    } catch (StreamException | ApiException e) {
      if (e instanceof ImageNotFoundException || !isArchiveError(e.getMessage())) {
        throw e;
      }
      throw new InvalidArchiveException("load: " + strip(e.getMessage(), "load: "), e);
    }
    if (names.isEmpty()) {
      throw new InvalidArchiveException("load: the engine loaded no image from the archive", null);
    }
    Map<String, Image> images = new java.util.LinkedHashMap<>();
    for (String n : names) {
      Image i = get(n);
      images.putIfAbsent(i.id(), i);
    }
    return List.copyOf(images.values());
  }

  /** Loads a tarball file; see {@link #load(java.io.InputStream)}. */
  public List<Image> load(java.nio.file.Path tarball) {
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(tarball)) {
      return load(in);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new InvalidArgumentException("load: no such file " + tarball);
    } catch (java.io.IOException e) {
      throw new InvalidArgumentException("load: cannot read " + tarball + ": " + e.getMessage());
    }
  }

  static String loadedName(String line) {
    if (line == null) {
      return null;
    }
    String l = line.strip();
    for (String prefix : List.of("Loaded image ID: ", "Loaded image: ")) {
      if (l.startsWith(prefix)) {
        return l.substring(prefix.length()).strip();
      }
    }
    return null;
  }

  private static final java.util.regex.Pattern ARCHIVE_ERROR =
      java.util.regex.Pattern.compile(
          "(?i).*(tar|archive|manifest|payload does not match|unexpected EOF|gzip|invalid|"
              + "no such file|not a directory|json|format).*",
          java.util.regex.Pattern.DOTALL);

  private static boolean isArchiveError(String message) {
    return message != null && ARCHIVE_ERROR.matcher(message).matches();
  }

  private static String strip(String s, String prefix) {
    return s.startsWith(prefix) ? s.substring(prefix.length()) : s;
  }

  // --------------------------------------------------------------------------------- search

  /**
   * Searches a registry ({@code GET /images/search}): docker-py's and podman-py's {@code search}.
   * Podman uses libpod's endpoint (searching {@code host:port/term} asks that registry's catalog;
   * {@code listTags} lists a repository's tags). Docker searches the index's v1 search API only
   * (Docker Hub, or a registry that offers it: the distribution registry does not).
   *
   * @throws UnsupportedOperationException for {@code listTags} on Docker
   */
  public List<SearchResult> search(String term, SearchOptions options) {
    if (term == null || term.isBlank()) {
      throw new InvalidArgumentException("search term must not be empty");
    }
    boolean podman = client.isPodman();
    if (!podman && options.listTags()) {
      throw new UnsupportedOperationException(
          "search listTags is a Podman (libpod) option; the docker engine at "
              + client.endpoint()
              + " has no equivalent");
    }
    HttpUrl.Builder url = podman ? client.libpod("images/search") : client.compat("images/search");
    url.addQueryParameter("term", term);
    param(url, "limit", options.limit());
    if (!options.filters().isEmpty()) {
      url.addQueryParameter("filters", Filters.encode(options.filters()));
    }
    if (podman) {
      param(url, "noTrunc", options.noTrunc());
      flag(url, "listTags", options.listTags());
      param(url, "tlsVerify", options.tlsVerify());
    }
    Map<String, String> headers = Map.of();
    AuthConfig auth = options.auth();
    String domain = searchDomain(term);
    if (auth == null) {
      auth = client.credentials().forRegistry(domain).orElse(null);
    }
    if (auth != null) {
      headers = Map.of("X-Registry-Auth", withServer(auth, domain).toHeader());
    }
    JsonNode arr =
        client
            .transport()
            .json(
                client.transport().request(url.build(), headers).get().build(),
                Transport.NotFound.OTHER);
    List<SearchResult> out = new ArrayList<>();
    if (arr != null) {
      for (JsonNode n : arr) {
        out.add(
            podman
                ? new SearchResult(
                    n.path("Index").asText(domain),
                    n.path("Name").asText(),
                    n.path("Description").asText(""),
                    n.path("Stars").asInt(0),
                    isOk(n.path("Official")),
                    isOk(n.path("Automated")),
                    n.path("Tag").asText("").isEmpty() ? null : n.path("Tag").asText())
                : new SearchResult(
                    domain,
                    n.path("name").asText(),
                    n.path("description").asText(""),
                    n.path("star_count").asInt(0),
                    n.path("is_official").asBoolean(false),
                    n.path("is_automated").asBoolean(false),
                    null));
      }
    }
    return Collections.unmodifiableList(out);
  }

  private static boolean isOk(JsonNode n) {
    return n.isBoolean() ? n.asBoolean() : n.asText("").equals("[OK]");
  }

  /** The registry a search term names ({@code host[:port]/...}), else {@code docker.io}. */
  static String searchDomain(String term) {
    int slash = term.indexOf('/');
    if (slash > 0) {
      String first = term.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        return first;
      }
    }
    return "docker.io";
  }

  // -------------------------------------------------------------------------- registry data

  /**
   * What the registry serves for a reference, without pulling (docker-py's {@code
   * inspect_distribution}, podman-py's {@code get_registry_data}). Docker (API 1.30+) asks the
   * engine ({@code GET /distribution/{name}/json}); Podman 4 has no such endpoint, so the client
   * asks the registry itself through {@link RegistryClient}. Credentials: {@code auth}, else the
   * client's for that registry.
   *
   * @throws ImageNotFoundException when the registry has no such manifest or repository
   * @throws ApiException with status 401 when the registry wants (other) credentials
   */
  public RegistryData registryData(String name, AuthConfig auth) {
    ImageReference ref = ImageReference.parse(name);
    if (!ref.hasDigest()) {
      ref = ref.withDefaultTag();
    }
    AuthConfig a =
        auth != null ? auth : client.credentials().forRegistry(ref.domain()).orElse(null);
    if (client.isPodman() || !client.apiAtLeast("1.30")) {
      return client.registryClient().inspect(ref, a);
    }
    Map<String, String> headers =
        a == null ? Map.of() : Map.of("X-Registry-Auth", withServer(a, ref.domain()).toHeader());
    Request request =
        client
            .transport()
            .request(client.compat("distribution/" + ref.familiar() + "/json").build(), headers)
            .get()
            .build();
    JsonNode r;
    try {
      r = client.transport().json(request, Transport.NotFound.IMAGE);
    } catch (ApiException e) {
      String m = e.getMessage() == null ? "" : e.getMessage();
      if (e.status() != 401
          && (m.contains("no basic auth credentials")
              || m.contains("unauthorized")
              || m.contains("authentication required"))) {
        throw new ApiException(401, m);
      }
      throw e;
    }
    JsonNode d = r == null ? null : r.path("Descriptor");
    if (d == null || !d.hasNonNull("digest")) {
      throw new ApiException(
          500, "registry data of " + ref.familiar() + ": the engine sent no digest");
    }
    List<RegistryData.Platform> platforms = new ArrayList<>();
    for (JsonNode pl : r.path("Platforms")) {
      platforms.add(
          new RegistryData.Platform(
              pl.path("os").asText(null),
              pl.path("architecture").asText(null),
              pl.path("variant").asText(null)));
    }
    return new RegistryData(
        d.get("digest").asText(),
        d.path("mediaType").asText(null),
        d.path("size").asLong(0),
        platforms);
  }

  // ------------------------------------------------------------------------------------ scp

  /**
   * Copies an image to another Podman host or user (podman-py's {@code scp}): libpod's {@code POST
   * /images/scp/{source}?destination=&quiet=}. Returns what the engine answers (the loaded image).
   *
   * @throws UnsupportedOperationException on Docker, on Podman before 4.0, and where Podman refuses
   *     the transfer over its API (Podman 4.3 refuses transfers between local users)
   */
  public String scp(String source, String destination, boolean quiet) {
    checkName(source);
    EngineClient.ServerInfo info = client.info();
    if (!info.podman()) {
      throw new UnsupportedOperationException(
          "scp is a Podman operation (libpod /images/scp); the docker engine at "
              + client.endpoint()
              + " has none");
    }
    if (EngineClient.compareVersions(info.libpodVersion(), "4.0") < 0) {
      throw new UnsupportedOperationException(
          "scp needs Podman 4.0 or later; the engine at "
              + client.endpoint()
              + " is Podman "
              + info.libpodVersion());
    }
    HttpUrl.Builder url = client.libpod("images/scp/" + source);
    param(url, "destination", destination);
    url.addQueryParameter("quiet", Boolean.toString(quiet));
    Request request =
        client.transport().request(url.build(), null).post(Transport.emptyBody()).build();
    try (Response r = client.transport().execute(request, true, Transport.NotFound.IMAGE)) {
      String text = r.body() == null ? "" : r.body().string();
      try {
        JsonNode n = Transport.JSON.readTree(text);
        if (n != null && n.hasNonNull("Id")) {
          return n.get("Id").asText();
        }
      } catch (java.io.IOException notJson) {
        // plain text answer
      }
      return text.strip();
    } catch (ImageNotFoundException e) {
      if (e.getMessage().strip().equalsIgnoreCase("Not Found")
          || e.getMessage().contains("page not found")) {
        throw new UnsupportedOperationException(
            "the Podman engine at " + client.endpoint() + " has no images/scp endpoint");
      }
      throw e;
    } catch (ApiException e) {
      if (e.getMessage().contains("cannot use the user transfer function on the remote client")) {
        throw new UnsupportedOperationException(
            "Podman " + info.libpodVersion() + " refuses this scp over its API: " + e.getMessage());
      }
      throw e;
    } catch (java.io.IOException e) {
      throw new EngineUnavailableException(
          "scp: cannot read engine answer: " + Transport.describe(e), e);
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
