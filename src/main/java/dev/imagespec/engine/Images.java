package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Image operations on one engine: podman-py's {@code ImagesManager}, docker-py's {@code
 * ImageApiMixin} and aiodocker's {@code DockerImages}. Every reference is parsed before any call; a
 * malformed one raises {@link InvalidArgumentException} and nothing is sent.
 *
 * <p>A façade: it answers list, get, exists, history, tag and remove itself and hands the rest to
 * one class per concern ({@link Transfers}, {@link Prunes}, {@link Builds}, {@link Archives},
 * {@link RegistryQueries}); what differs between Docker and Podman is in {@link EngineDialect}.
 */
public final class Images {
  private final EngineClient client;
  private final Transfers transfers;
  private final Prunes prunes;
  private final Builds builds;
  private final Archives archives;
  private final RegistryQueries registryQueries;

  Images(EngineClient client) {
    this.client = client;
    this.transfers = new Transfers(client, this);
    this.prunes = new Prunes(client, this);
    this.builds = new Builds(client, this);
    this.archives = new Archives(client, this);
    this.registryQueries = new RegistryQueries(client);
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
    Params.flag(url, "all", options.all());
    Params.flag(url, "digests", options.digests() && client.dialect().listsDigestsOnRequest());
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
    Request r = client.dialect().existsRequest(name);
    try (Response ignored = client.transport().execute(r, false, Transport.NotFound.IMAGE)) {
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
    return client.dialect().remove(image, force, noprune);
  }

  /**
   * Removes an image with every name it has, never forced (what a prune does): by ID, and when the
   * engine refuses an ID only because the image has several names, name by name, the last one
   * deleting the image. An image a container uses (running or not) is refused with a 409 before any
   * name is removed.
   *
   * @throws ImageNotFoundException when there is no such image
   * @throws ApiException when the engine refuses for another reason (a container, a child image)
   */
  public RemoveReport removeImage(String id) {
    try {
      return remove(id, false, false);
    } catch (ApiException e) {
      if (e instanceof ImageNotFoundException || !refusedForSeveralNames(e)) {
        throw e;
      }
    }
    // Podman refuses several names before it looks at containers, and untagging succeeds even on
    // an image in use: ask first, so that no name goes when the image cannot
    Image image = get(id);
    for (Containers.ContainerSummary c : client.containers().list()) {
      if (image.id().equals(c.imageId())) {
        throw new ApiException(
            409,
            "conflict: unable to remove image "
                + id
                + ": it is used by container "
                + (c.name().isEmpty() ? "" : c.name() + " ")
                + "("
                + c.id()
                + ")");
      }
    }
    List<String> deleted = new ArrayList<>();
    List<String> untagged = new ArrayList<>();
    for (String name : image.tags()) {
      try {
        RemoveReport r = remove(name, false, false);
        deleted.addAll(r.deleted());
        untagged.addAll(r.untagged());
      } catch (ImageNotFoundException gone) {
        // untagged meanwhile: one name fewer
      }
    }
    return new RemoveReport(deleted, untagged, List.of(), 0);
  }

  /**
   * Whether a refusal only says the image has several names (Docker: a 409 "referenced in multiple
   * repositories"; Podman: "by ID with more than one tag"), not that a container or a child image
   * uses it (then no name may be removed).
   */
  static boolean refusedForSeveralNames(ApiException e) {
    String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
    return (m.contains("multiple repositories")
            || m.contains("multiple tags")
            || m.contains("more than one"))
        && !m.contains("container")
        && !m.contains("child");
  }

  // ------------------------------------------------------------------------------- transfers

  /**
   * Pulls one image and returns it. With {@link PullOptions#allTags()} use {@link #pullAllTags}.
   *
   * @throws ImageNotFoundException when the registry has no such repository or tag
   * @throws StreamException when the engine reports an error in the progress stream
   */
  public Image pull(String reference, PullOptions options) {
    return transfers.pull(reference, options, null);
  }

  /** Pulls one image, handing each progress item to {@code progress}. */
  public Image pull(String reference, PullOptions options, Consumer<ProgressEvent> progress) {
    return transfers.pull(reference, options, progress);
  }

  /** Pulls every tag of the repository; returns the images pulled. */
  public List<Image> pullAllTags(
      String repository, PullOptions options, Consumer<ProgressEvent> progress) {
    return transfers.pullAllTags(repository, options, progress);
  }

  /**
   * Starts a pull and returns its progress stream (docker-py's {@code stream=True, decode=True}).
   * The caller must read it to the end or close it.
   */
  public ProgressStream pullStream(String reference, PullOptions options) {
    return transfers.pullStream(reference, options);
  }

  /**
   * Pushes a repository's tag; returns what was pushed and the digest the registry reports.
   *
   * @throws ImageNotFoundException when the engine has no such local image
   * @throws StreamException when the registry refuses it (auth, unreachable, ...)
   */
  public PushResult push(String repository, PushOptions options, Consumer<ProgressEvent> progress) {
    return transfers.push(repository, options, progress);
  }

  /**
   * Starts a push and returns its progress stream. The caller must read it to the end or close it.
   */
  public ProgressStream pushStream(String repository, PushOptions options) {
    return transfers.pushStream(repository, options);
  }

  /**
   * What a push did.
   *
   * @param reference the reference pushed to
   * @param digest the manifest digest the registry reported, null when the engine didn't say
   */
  public record PushResult(String reference, String digest) {}

  // ---------------------------------------------------------------------------------- prunes

  /**
   * {@code POST /images/prune}: deletes unused images matching the filters. Podman 4 ignores
   * negated label filters ({@code label!}); there the client selects the images itself (list with
   * the positive filters, drop those carrying a negated label and those any container uses) and
   * removes them one by one without force; {@code spaceReclaimed} counts the images deleted.
   */
  public PruneReport prune(PruneOptions options) {
    return prunes.prune(options);
  }

  /**
   * {@code POST /build/prune}. On Podman this returns the empty report podman-py documents without
   * calling the engine. On engines before API 1.48, {@code reservedSpace} is sent as {@code
   * keep-storage}, and {@code maxUsedSpace}/{@code minFreeSpace} are refused.
   */
  public BuildPruneReport pruneBuilds(PruneBuildsOptions options) {
    return prunes.pruneBuilds(options);
  }

  // -------------------------------------------------------------------------------- archives

  /**
   * Imports a root filesystem tarball (plain or compressed) as a new image, streaming it from
   * {@code tarball} without buffering it (docker-py's {@code import_image_from_stream}). Returns
   * the new image.
   *
   * @throws StreamException when the engine reports an error (e.g. not a tarball)
   */
  public Image importImage(java.io.InputStream tarball, ImportOptions options) {
    return archives.importImage(new StreamBody(tarball), options);
  }

  /** Imports a tarball file; see {@link #importImage(java.io.InputStream, ImportOptions)}. */
  public Image importImage(java.nio.file.Path tarball, ImportOptions options) {
    return archives.importImage(tarball, options);
  }

  /** Imports a tarball held in memory (docker-py's {@code import_image_from_data}). */
  public Image importImageFromData(byte[] data, ImportOptions options) {
    return archives.importImage(okhttp3.RequestBody.create(data, Transport.TAR_TYPE), options);
  }

  /**
   * Imports a tarball that the engine downloads from {@code url} (docker-py's {@code
   * import_image_from_url}: Docker's {@code fromSrc=URL}, libpod's {@code url}). The engine, not
   * this client, fetches it: the URL must be reachable from the engine.
   *
   * @throws InvalidArgumentException for anything but an http or https URL
   */
  public Image importImageFromUrl(String url, ImportOptions options) {
    return archives.importImageFromUrl(url, options);
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
    return archives.importImageFromImage(image, options);
  }

  /**
   * Saves images as one {@code docker-archive} tarball streamed from the engine (docker-py's {@code
   * get_image}, aiodocker's {@code export_image}, {@code docker save}). Docker: {@code GET
   * /images/get}; Podman: libpod's {@code /images/{name}/get} (one image) or {@code /images/export}
   * (several), both {@code format=docker-archive}.
   *
   * @throws ImageNotFoundException when an image does not exist
   */
  public ImageArchive save(List<String> names, SaveOptions options) {
    return archives.save(names, options);
  }

  /** Saves one image; see {@link #save(List, SaveOptions)}. */
  public ImageArchive save(String name, SaveOptions options) {
    return save(List.of(name), options);
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
    return archives.load(tarball, null).images();
  }

  /**
   * Loads images, handing Docker's progress items to {@code progress} (docker-py's {@code
   * quiet=False}; null: {@code quiet}). Podman reports no progress.
   */
  public List<Image> load(java.io.InputStream tarball, Consumer<ProgressEvent> progress) {
    return archives.load(tarball, progress).images();
  }

  /** Loads a tarball file; see {@link #load(java.io.InputStream)}. */
  public List<Image> load(java.nio.file.Path tarball) {
    return archives.load(tarball).images();
  }

  /**
   * As {@link #load(java.io.InputStream, Consumer)}, with the names the engine reported loading.
   */
  public LoadResult loadReporting(java.io.InputStream tarball, Consumer<ProgressEvent> progress) {
    return archives.load(tarball, progress);
  }

  /** As {@link #load(java.nio.file.Path)}, with the names the engine reported loading. */
  public LoadResult loadReporting(java.nio.file.Path tarball) {
    return archives.load(tarball);
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

  // ---------------------------------------------------------------------------------- builds

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
    return builds.build(context, options, null);
  }

  /** Builds an image, handing each item of the build's stream to {@code progress}. */
  public BuildResult build(
      BuildContext context, BuildOptions options, Consumer<ProgressEvent> progress) {
    return builds.build(context, options, progress);
  }

  /**
   * Starts a build and returns its stream (docker-py's {@code stream=True, decode=True}): {@code
   * stream} log lines, {@code aux} with the image ID on Docker, the ID as the last line on Podman.
   * An error item raises {@link BuildException} with the log so far. The caller must read it to the
   * end or close it.
   */
  public ProgressStream buildStream(BuildContext context, BuildOptions options) {
    return builds.buildStream(context, options);
  }

  // ------------------------------------------------------------------------ registry queries

  /**
   * Searches a registry ({@code GET /images/search}): docker-py's and podman-py's {@code search}.
   * Podman uses libpod's endpoint (searching {@code host:port/term} asks that registry's catalog;
   * {@code listTags} lists a repository's tags). Docker searches the index's v1 search API only
   * (Docker Hub, or a registry that offers it: the distribution registry does not).
   *
   * @throws UnsupportedOperationException for {@code listTags} on Docker
   */
  public List<SearchResult> search(String term, SearchOptions options) {
    return registryQueries.search(term, options);
  }

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
    return registryQueries.registryData(name, auth);
  }

  /**
   * Copies an image to another Podman host or user (podman-py's {@code scp}): libpod's {@code POST
   * /images/scp/{source}?destination=&quiet=}. Returns what the engine answers (the loaded image).
   *
   * @throws UnsupportedOperationException on Docker, on Podman before 4.0, and where Podman refuses
   *     the transfer over its API (Podman 4.3 refuses transfers between local users)
   */
  public String scp(String source, String destination, boolean quiet) {
    return registryQueries.scp(source, destination, quiet);
  }

  // ---------------------------------------------------------------------------------- helpers

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
}
