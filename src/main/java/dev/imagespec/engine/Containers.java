package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** The one container call imagespec needs: which containers exist and which images they use. */
public final class Containers {
  private final EngineClient client;

  Containers(EngineClient client) {
    this.client = client;
  }

  /** Every container, running or not ({@code GET /containers/json?all=1}). */
  public List<ContainerSummary> list() {
    JsonNode arr =
        client.json(client.get(client.compat("containers/json").addQueryParameter("all", "1")));
    List<ContainerSummary> out = new ArrayList<>();
    if (arr != null) {
      for (JsonNode c : arr) {
        String name = c.path("Names").path(0).asText("");
        if (name.startsWith("/")) {
          name = name.substring(1);
        }
        out.add(
            new ContainerSummary(
                c.path("Id").asText(),
                name,
                Image.normaliseId(c.path("ImageID").asText(null)),
                c.path("Image").asText(null),
                c.path("State").asText(null)));
      }
    }
    return out;
  }

  /**
   * A container as listed.
   *
   * @param id container ID
   * @param name name without the leading slash
   * @param imageId full ID of its image
   * @param image the reference it was created from
   * @param state running, exited, created...
   */
  public record ContainerSummary(
      String id, String name, String imageId, String image, String state) {}
}
