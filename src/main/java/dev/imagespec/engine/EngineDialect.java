package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.function.Consumer;
import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * Everything the image operations do differently on Docker and on Podman, in one place: which API
 * (Docker-compatible or libpod) each call uses, the parameters each engine understands, and how its
 * answers read. Chosen once per client when it negotiates with the engine ({@link
 * EngineClient#dialect()}); the operation classes ({@link Images}, {@link Transfers}, {@link
 * Prunes}, {@link Builds}, {@link Archives}, {@link RegistryQueries}) hold what both share.
 */
sealed interface EngineDialect permits DockerDialect, PodmanDialect {

  /** The dialect of a negotiated engine. */
  static EngineDialect of(EngineClient client, EngineClient.ServerInfo info) {
    return info.podman() ? new PodmanDialect(client) : new DockerDialect(client);
  }

  // ------------------------------------------------------------------------ list / exists

  /** Whether an image list sends {@code digests=true} when the caller asks for digests. */
  boolean listsDigestsOnRequest();

  /** The request that answers 2xx when the image exists and 404 when it does not. */
  Request existsRequest(String name);

  /** Removes an image or a name ({@link Images#remove}). */
  RemoveReport remove(String image, boolean force, boolean noprune);

  // ---------------------------------------------------------------------------- transfers

  /** Where a pull of {@code ref} goes, with the options' parameters. */
  HttpUrl.Builder pullUrl(ImageReference ref, PullOptions options, Platform platform);

  /** Where a push of {@code ref} (to {@code target}) goes, with the options' parameters. */
  HttpUrl.Builder pushUrl(ImageReference ref, ImageReference target, PushOptions options);

  // ------------------------------------------------------------------------------- prunes

  /** Whether the engine's own prune honours negated label filters ({@code label!}). */
  boolean prunesByNegatedLabel();

  /** Whether the engine keeps a build cache that {@code POST /build/prune} empties. */
  boolean hasBuildCache();

  // ------------------------------------------------------------------------------- builds

  /** Refuses the build options this engine has no equivalent for. */
  void checkBuildOptions(BuildOptions options);

  HttpUrl.Builder buildUrl();

  /**
   * Adds the parameters only this engine has (Podman: layers, output, outputformat, manifest and
   * the {@code secrets}, each {@code id=ID,src=NAME-IN-CONTEXT}), with the engine's defaults.
   */
  void ownBuildParams(HttpUrl.Builder url, BuildOptions options, List<String> secrets);

  /** A build tag as the engine wants it, so the image gets the names Docker would give it. */
  String buildTag(ImageReference tag);

  /** Adds the build's extra hosts ({@code host:ip}). */
  void extraHosts(HttpUrl.Builder url, List<String> hosts);

  // ----------------------------------------------------------------------------- archives

  /** Where an import goes: into {@code target} (may be null), from {@code fromUrl} or the body. */
  HttpUrl.Builder importUrl(ImageReference target, String fromUrl);

  /** Where a save of these names goes, as one {@code docker-archive}. */
  HttpUrl.Builder saveUrl(List<String> names);

  /**
   * Loads a tarball; returns the names or IDs the engine reports loading, handing progress items
   * (Docker only) to {@code progress} (null: quiet).
   */
  List<String> load(okhttp3.RequestBody tarball, Consumer<ProgressEvent> progress);

  // ---------------------------------------------------------------------- registry queries

  /** Where a search goes, with the options' engine-specific parameters. */
  HttpUrl.Builder searchUrl(SearchOptions options);

  /** One search result as the engine reports it; {@code domain} is the registry searched. */
  SearchResult searchResult(JsonNode item, String domain);

  /** Whether the engine itself answers {@code GET /distribution/{name}/json}. */
  boolean servesRegistryData();

  /**
   * Refuses {@code scp} where the engine has none.
   *
   * @throws UnsupportedOperationException on Docker and on Podman before 4.0
   */
  void checkScp();
}
