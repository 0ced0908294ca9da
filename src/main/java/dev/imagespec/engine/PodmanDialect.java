package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.function.Consumer;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Podman's service: the libpod API where it offers more than its Docker-compatible one (pull all
 * tags, tlsVerify, push destination, remove reports, exact imports and builds), and its quirks.
 */
final class PodmanDialect implements EngineDialect {
  private final EngineClient client;

  PodmanDialect(EngineClient client) {
    this.client = client;
  }

  /** Podman always reports RepoDigests, and its compat "digests=true" hides images without one. */
  @Override
  public boolean listsDigestsOnRequest() {
    return false;
  }

  @Override
  public Request existsRequest(String name) {
    return client.get(client.libpod("images/" + name + "/exists"));
  }

  /** libpod's report; {@code noprune} is ignored (as podman-py documents). */
  @Override
  public RemoveReport remove(String image, boolean force, boolean noprune) {
    HttpUrl.Builder url = client.libpod("images/" + image);
    Params.flag(url, "force", force);
    Request request = client.transport().request(url.build(), null).delete().build();
    JsonNode r = client.transport().json(request, Transport.NotFound.IMAGE);
    return new RemoveReport(
        Params.texts(r.path("Deleted")),
        Params.texts(r.path("Untagged")),
        Params.texts(r.path("Errors")),
        r.path("ExitCode").asInt(0));
  }

  /** libpod's pull: all tags, tlsVerify and os/arch/variant; it reports the pulled IDs. */
  @Override
  public HttpUrl.Builder pullUrl(ImageReference ref, PullOptions options, Platform platform) {
    // libpod wants the fully qualified name; a digest reference drops its tag.
    String reference =
        ref.hasDigest() ? ref.repository() + "@" + ref.digest().orElseThrow() : ref.canonical();
    HttpUrl.Builder url = client.libpod("images/pull").addQueryParameter("reference", reference);
    Params.flag(url, "allTags", options.allTags());
    Params.param(url, "tlsVerify", options.tlsVerify());
    if (platform != null) {
      url.addQueryParameter("os", platform.os());
      Params.param(url, "arch", platform.arch());
      Params.param(url, "variant", platform.variant());
    }
    return url;
  }

  /**
   * libpod's push is needed for destination/tlsVerify, but it reports no digest: the compat
   * endpoint is used otherwise.
   */
  @Override
  public HttpUrl.Builder pushUrl(ImageReference ref, ImageReference target, PushOptions options) {
    if (options.destination() == null && options.tlsVerify() == null) {
      return client
          .compat("images/" + ref.familiarRepository() + "/push")
          .addQueryParameter("tag", ref.tag().orElseThrow());
    }
    HttpUrl.Builder url = client.libpod("images/" + ref.canonical() + "/push");
    url.addQueryParameter("destination", target.canonical());
    Params.param(url, "tlsVerify", options.tlsVerify());
    url.addQueryParameter("quiet", "false");
    return url;
  }

  /** Podman 4 ignores {@code label!} in a prune: the client selects ({@link Prunes}). */
  @Override
  public boolean prunesByNegatedLabel() {
    return false;
  }

  /** None: a build prune returns the empty report podman-py documents, without a call. */
  @Override
  public boolean hasBuildCache() {
    return false;
  }

  @Override
  public void checkBuildOptions(BuildOptions options) {
    // libpod has every option
  }

  /**
   * libpod's {@code /build}, which has what the compat endpoint lacks on Podman 4 ({@code remote},
   * and the same {@code layers}/{@code output}/{@code outputformat}).
   */
  @Override
  public HttpUrl.Builder buildUrl() {
    return client.libpod("build");
  }

  /**
   * As podman-py: {@code layers} true and an explicit {@code outputformat} (OCI) unless set, as
   * Podman 4 reuses its build cache only then.
   */
  @Override
  public void ownBuildParams(HttpUrl.Builder url, BuildOptions o, List<String> secrets) {
    Params.param(url, "layers", o.layers() == null ? Boolean.TRUE : o.layers());
    Params.param(url, "output", o.output());
    Params.param(
        url, "outputformat", o.outputFormat() == null ? BuildOptions.OCI_FORMAT : o.outputFormat());
    Params.param(url, "manifest", o.manifest());
    if (!secrets.isEmpty()) {
      url.addQueryParameter("secrets", Params.json(secrets));
    }
  }

  /** Fully qualified ({@code docker.io/team/app:1}), not libpod's {@code localhost/} names. */
  @Override
  public String buildTag(ImageReference tag) {
    return tag.canonical();
  }

  /** libpod wants a JSON array. */
  @Override
  public void extraHosts(HttpUrl.Builder url, List<String> hosts) {
    url.addQueryParameter("extrahosts", Params.json(hosts));
  }

  /** Podman's compat import ignores the tag and merges LABEL changes: libpod's is exact. */
  @Override
  public HttpUrl.Builder importUrl(ImageReference target, String fromUrl) {
    HttpUrl.Builder url = client.libpod("images/import");
    if (target != null) {
      url.addQueryParameter("reference", target.canonical());
    }
    Params.param(url, "url", fromUrl);
    return url;
  }

  /** libpod's {@code /images/{name}/get} (one image) or {@code /images/export} (several). */
  @Override
  public HttpUrl.Builder saveUrl(List<String> names) {
    HttpUrl.Builder url;
    if (names.size() == 1) {
      url = client.libpod("images/" + names.get(0) + "/get");
    } else {
      HttpUrl.Builder export = client.libpod("images/export");
      names.forEach(n -> export.addQueryParameter("references", n));
      url = export;
    }
    return url.addQueryParameter("format", "docker-archive");
  }

  /** libpod's {@code Names}; Podman reports no progress. */
  @Override
  public List<String> load(okhttp3.RequestBody tarball, Consumer<ProgressEvent> progress) {
    Request request =
        client
            .transport()
            .request(client.libpod("images/load").build(), null)
            .post(tarball)
            .build();
    // The stream client: Podman answers only once it has stored every layer.
    try (Response r = client.transport().execute(request, true, Transport.NotFound.OTHER)) {
      JsonNode answer = Transport.JSON.readTree(r.body().byteStream());
      return Params.texts(answer == null ? null : answer.path("Names"));
    } catch (java.io.IOException e) {
      throw new EngineUnavailableException(
          "load: cannot read engine answer: " + Transport.describe(e), e);
    }
  }

  /**
   * libpod's search: {@code host:port/term} asks that registry's catalog; {@code listTags} lists a
   * repository's tags.
   */
  @Override
  public HttpUrl.Builder searchUrl(SearchOptions options) {
    HttpUrl.Builder url = client.libpod("images/search");
    Params.param(url, "noTrunc", options.noTrunc());
    Params.flag(url, "listTags", options.listTags());
    Params.param(url, "tlsVerify", options.tlsVerify());
    return url;
  }

  @Override
  public SearchResult searchResult(JsonNode n, String domain) {
    String tag = n.path("Tag").asText("");
    return new SearchResult(
        n.path("Index").asText(domain),
        n.path("Name").asText(),
        n.path("Description").asText(""),
        n.path("Stars").asInt(0),
        isOk(n.path("Official")),
        isOk(n.path("Automated")),
        tag.isEmpty() ? null : tag);
  }

  private static boolean isOk(JsonNode n) {
    return n.isBoolean() ? n.asBoolean() : n.asText("").equals("[OK]");
  }

  /** Podman 4 has no distribution endpoint: the client asks the registry itself. */
  @Override
  public boolean servesRegistryData() {
    return false;
  }

  @Override
  public void checkScp() {
    String version = client.info().libpodVersion();
    if (EngineClient.compareVersions(version, "4.0") < 0) {
      throw new UnsupportedOperationException(
          "scp needs Podman 4.0 or later; the engine at "
              + client.endpoint()
              + " is Podman "
              + version);
    }
  }
}
