package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * Test access to Podman's manifest lists (libpod {@code /manifests}), which imagespec only makes.
 */
public final class LibpodManifests {
  private LibpodManifests() {}

  /** The manifest list {@code name}, or empty when there is none. */
  public static Optional<JsonNode> inspect(EngineClient client, String name) {
    try {
      return Optional.ofNullable(
          client
              .transport()
              .json(
                  client.get(client.libpod("manifests/" + name + "/json")),
                  Transport.NotFound.IMAGE));
    } catch (ImageNotFoundException e) {
      return Optional.empty();
    }
  }

  /** Removes the manifest list {@code name} (not the images it lists). */
  public static void remove(EngineClient client, String name) {
    client
        .transport()
        .json(
            client
                .transport()
                .request(client.libpod("manifests/" + name).build(), null)
                .delete()
                .build(),
            Transport.NotFound.IMAGE);
  }
}
