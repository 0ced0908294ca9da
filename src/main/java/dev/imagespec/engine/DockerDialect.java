package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/** Docker Engine: the Docker API, as docker-py speaks it. */
final class DockerDialect implements EngineDialect {
  private final EngineClient client;

  DockerDialect(EngineClient client) {
    this.client = client;
  }

  @Override
  public boolean listsDigestsOnRequest() {
    return true;
  }

  @Override
  public Request existsRequest(String name) {
    return client.get(client.compat("images/" + name + "/json"));
  }

  @Override
  public RemoveReport remove(String image, boolean force, boolean noprune) {
    HttpUrl.Builder url = client.compat("images/" + image);
    Params.flag(url, "force", force);
    Params.flag(url, "noprune", noprune);
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

  @Override
  public HttpUrl.Builder pullUrl(ImageReference ref, PullOptions options, Platform platform) {
    HttpUrl.Builder url =
        client.compat("images/create").addQueryParameter("fromImage", ref.familiarRepository());
    if (!options.allTags()) {
      url.addQueryParameter("tag", ref.digest().orElseGet(() -> ref.tag().orElseThrow()));
    }
    if (platform != null) {
      url.addQueryParameter("platform", options.platform());
    }
    return url;
  }

  @Override
  public HttpUrl.Builder pushUrl(ImageReference ref, ImageReference target, PushOptions options) {
    if (options.destination() != null) {
      throw new UnsupportedOperationException(
          "push destination is a Podman option; on Docker, tag the image as '"
              + options.destination()
              + "' and push that");
    }
    return client
        .compat("images/" + ref.familiarRepository() + "/push")
        .addQueryParameter("tag", ref.tag().orElseThrow());
  }

  @Override
  public boolean prunesByNegatedLabel() {
    return true;
  }

  @Override
  public boolean hasBuildCache() {
    return true;
  }

  @Override
  public void checkBuildOptions(BuildOptions o) {
    // Docker's classic builder always keeps and reuses intermediate layers: an explicit
    // layers=true asks for what it does anyway; layers=false it cannot do.
    podmanOnly("layers", Boolean.FALSE.equals(o.layers()));
    podmanOnly("output", o.output() != null);
    podmanOnly("outputFormat", o.outputFormat() != null);
    podmanOnly("manifest", o.manifest() != null);
    if (!o.secrets().isEmpty()) {
      throw new UnsupportedBuildOptionException(
          "secrets",
          "is not supported by the docker engine at "
              + client.endpoint()
              + ": build secrets are not supported by its classic builder (POST /build), only"
              + " BuildKit has them; a build argument instead would be stored in the image's"
              + " history");
    }
  }

  /** None: {@link #checkBuildOptions} refused them. */
  @Override
  public void ownBuildParams(HttpUrl.Builder url, BuildOptions options, List<String> secrets) {}

  private void podmanOnly(String option, boolean set) {
    if (set) {
      throw new UnsupportedBuildOptionException(
          option, "is a Podman option; the docker engine at " + client.endpoint() + " has none");
    }
  }

  @Override
  public HttpUrl.Builder buildUrl() {
    return client.compat("build");
  }

  @Override
  public String buildTag(ImageReference tag) {
    return tag.familiar();
  }

  @Override
  public void extraHosts(HttpUrl.Builder url, List<String> hosts) {
    hosts.forEach(h -> url.addQueryParameter("extrahosts", h));
  }

  @Override
  public HttpUrl.Builder importUrl(ImageReference target, String fromUrl) {
    HttpUrl.Builder url =
        client
            .compat("images/create")
            .addQueryParameter("fromSrc", fromUrl == null ? "-" : fromUrl);
    if (target != null) {
      url.addQueryParameter("repo", target.familiarRepository());
      url.addQueryParameter("tag", target.tag().orElseThrow());
    }
    return url;
  }

  @Override
  public HttpUrl.Builder saveUrl(List<String> names) {
    HttpUrl.Builder url = client.compat("images/get");
    names.forEach(n -> url.addQueryParameter("names", n));
    return url;
  }

  /** Names from the {@code Loaded image: X} / {@code Loaded image ID: sha256:...} lines. */
  @Override
  public List<String> load(okhttp3.RequestBody tarball, Consumer<ProgressEvent> progress) {
    HttpUrl.Builder url = client.compat("images/load");
    if (progress == null) {
      url.addQueryParameter("quiet", "1");
    }
    Request request = client.transport().request(url.build(), null).post(tarball).build();
    Response response = client.transport().execute(request, true, Transport.NotFound.OTHER);
    List<String> names = new ArrayList<>();
    try (ProgressStream s = new ProgressStream(response, "load")) {
      s.drain(
          e -> {
            String loaded = Archives.loadedName(e.stream());
            if (loaded != null) {
              names.add(loaded);
            }
            if (progress != null) {
              progress.accept(e);
            }
          });
    }
    return names;
  }

  /** The index's v1 search API only (Docker Hub, or a registry that offers it). */
  @Override
  public HttpUrl.Builder searchUrl(SearchOptions options) {
    if (options.listTags()) {
      throw new UnsupportedOperationException(
          "search listTags is a Podman (libpod) option; the docker engine at "
              + client.endpoint()
              + " has no equivalent");
    }
    return client.compat("images/search");
  }

  @Override
  public SearchResult searchResult(JsonNode n, String domain) {
    return new SearchResult(
        domain,
        n.path("name").asText(),
        n.path("description").asText(""),
        n.path("star_count").asInt(0),
        n.path("is_official").asBoolean(false),
        n.path("is_automated").asBoolean(false),
        null);
  }

  /** From API 1.30 on. */
  @Override
  public boolean servesRegistryData() {
    return client.apiAtLeast("1.30");
  }

  @Override
  public void checkScp() {
    throw new UnsupportedOperationException(
        "scp is a Podman operation (libpod /images/scp); the docker engine at "
            + client.endpoint()
            + " has none");
  }
}
