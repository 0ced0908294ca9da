package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * Image and build-cache prunes, with the client-side selection for engines whose prune ignores
 * negated label filters ({@code label!}).
 */
final class Prunes {
  private final EngineClient client;
  private final Images images;

  Prunes(EngineClient client, Images images) {
    this.client = client;
    this.images = images;
  }

  PruneReport prune(PruneOptions options) {
    if (options.filters().containsKey("label!") && !client.dialect().prunesByNegatedLabel()) {
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

  /**
   * The client selects: lists with the positive filters, drops those carrying a negated label and
   * those any container uses, and removes them one by one without force ({@link
   * Images#removeImage}); {@code spaceReclaimed} counts the images deleted.
   */
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
    for (JsonNode n : arr == null ? List.<JsonNode>of() : arr) {
      Image image = new Image(images, n);
      if (danglingOnly && !image.tags().isEmpty()) {
        continue;
      }
      if (inUse.contains(image.id())
          || negated.stream().anyMatch(l -> hasLabel(image.labels(), l))) {
        continue;
      }
      RemoveReport r;
      try {
        r = images.removeImage(image.id());
      } catch (ApiException e) {
        // used by a container created meanwhile, or gone: a prune leaves it
        continue;
      }
      r.untagged().forEach(u -> items.add(new PruneReport.DeletedItem(u, null)));
      r.deleted().forEach(d -> items.add(new PruneReport.DeletedItem(null, d)));
      if (!r.deleted().isEmpty()) {
        reclaimed += image.size();
      }
    }
    return new PruneReport(items, reclaimed);
  }

  /** {@code key} or {@code key=value} against a label map. */
  static boolean hasLabel(Map<String, String> labels, String expression) {
    int eq = expression.indexOf('=');
    if (eq < 0) {
      return labels.containsKey(expression);
    }
    return expression.substring(eq + 1).equals(labels.get(expression.substring(0, eq)));
  }

  BuildPruneReport pruneBuilds(PruneBuildsOptions options) {
    if (!client.dialect().hasBuildCache()) {
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
      Params.param(url, "max-used-space", options.maxUsedSpace());
      Params.param(url, "min-free-space", options.minFreeSpace());
    }
    Params.param(url, "all", options.all());
    if (!options.filters().isEmpty()) {
      url.addQueryParameter("filters", Filters.encode(options.filters()));
    }
    Request request =
        client.transport().request(url.build(), null).post(Transport.emptyBody()).build();
    JsonNode r = client.transport().json(request, Transport.NotFound.OTHER, true);
    return new BuildPruneReport(
        r == null ? List.of() : Params.texts(r.path("CachesDeleted")),
        r == null ? 0 : r.path("SpaceReclaimed").asLong(0));
  }
}
