package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/** What the engine asks registries for the caller: search, registry data, and Podman's scp. */
final class RegistryQueries {
  private final EngineClient client;

  RegistryQueries(EngineClient client) {
    this.client = client;
  }

  // --------------------------------------------------------------------------------- search

  List<SearchResult> search(String term, SearchOptions options) {
    if (term == null || term.isBlank()) {
      throw new InvalidArgumentException("search term must not be empty");
    }
    EngineDialect dialect = client.dialect();
    HttpUrl.Builder url = dialect.searchUrl(options);
    url.addQueryParameter("term", term);
    Params.param(url, "limit", options.limit());
    if (!options.filters().isEmpty()) {
      url.addQueryParameter("filters", Filters.encode(options.filters()));
    }
    String domain = searchDomain(term);
    AuthConfig auth = options.auth();
    if (auth == null) {
      auth = client.credentials().forRegistry(domain).orElse(null);
    }
    Map<String, String> headers = Transfers.authHeader(auth, domain);
    JsonNode arr =
        client
            .transport()
            .json(
                client.transport().request(url.build(), headers).get().build(),
                Transport.NotFound.OTHER);
    List<SearchResult> out = new ArrayList<>();
    if (arr != null) {
      for (JsonNode n : arr) {
        out.add(dialect.searchResult(n, domain));
      }
    }
    return Collections.unmodifiableList(out);
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

  RegistryData registryData(String name, AuthConfig auth) {
    ImageReference ref = ImageReference.parse(name);
    if (!ref.hasDigest()) {
      ref = ref.withDefaultTag();
    }
    AuthConfig a =
        auth != null ? auth : client.credentials().forRegistry(ref.domain()).orElse(null);
    if (!client.dialect().servesRegistryData()) {
      return client.registryClient().inspect(ref, a);
    }
    Request request =
        client
            .transport()
            .request(
                client.compat("distribution/" + ref.familiar() + "/json").build(),
                Transfers.authHeader(a, ref.domain()))
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

  private static final String SCP_BY_HAND = "imagespec images save IMAGE | ssh HOST podman load";

  String scp(String source, String destination, boolean quiet) {
    Images.checkName(source);
    client.dialect().checkScp();
    HttpUrl.Builder url = client.libpod("images/scp/" + source);
    Params.param(url, "destination", destination);
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
            "the Podman engine at "
                + client.endpoint()
                + " has no images/scp endpoint (it needs Podman 4.0 or later's libpod API);"
                + " upgrade it, or copy the image yourself: "
                + SCP_BY_HAND);
      }
      throw e;
    } catch (ApiException e) {
      if (e.getMessage().contains("cannot use the user transfer function on the remote client")) {
        throw new UnsupportedOperationException(
            "Podman "
                + client.info().libpodVersion()
                + " refuses this scp over its API: "
                + e.getMessage()
                + " (a copy to a user of the engine's own machine is done only by Podman's CLI,"
                + " podman image scp); for another machine give USER@HOST:PORT::, or copy the"
                + " image yourself: "
                + SCP_BY_HAND);
      }
      throw e;
    } catch (java.io.IOException e) {
      throw new EngineUnavailableException(
          "scp: cannot read engine answer: " + Transport.describe(e), e);
    }
  }
}
