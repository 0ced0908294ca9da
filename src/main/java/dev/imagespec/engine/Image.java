package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An image on the engine, wrapping the engine's attributes ({@link #attrs()}) as podman-py's {@code
 * Image} does: the list summary after {@link Images#list}, the full inspect document after {@link
 * Images#get} or {@link #reload()}.
 */
public final class Image {
  private final Images manager;
  private volatile JsonNode attrs;

  Image(Images manager, JsonNode attrs) {
    this.manager = manager;
    this.attrs = attrs;
  }

  /** The engine's attributes as last fetched. */
  public JsonNode attrs() {
    return attrs;
  }

  /** Full image ID, {@code sha256:...}. */
  public String id() {
    return normaliseId(attrs.path("Id").asText(attrs.path("id").asText(null)));
  }

  static String normaliseId(String id) {
    if (id != null && !id.startsWith("sha256:") && id.matches("[0-9a-f]{64}")) {
      return "sha256:" + id;
    }
    return id;
  }

  /** Truncated ID; {@code sha256:} kept when the ID has it (podman-py's {@code short_id}). */
  public String shortId() {
    String id = id();
    if (id == null) {
      return null;
    }
    if (id.startsWith("sha256:")) {
      return id.substring(0, Math.min(id.length(), 17));
    }
    return id.substring(0, Math.min(id.length(), 10));
  }

  /** Repository tags, without Docker's {@code <none>:<none>} placeholder. */
  public List<String> tags() {
    return strings(attrs.path("RepoTags"), "<none>:<none>");
  }

  /** {@code repo@sha256:...} digests the image is known by, without {@code <none>@<none>}. */
  public List<String> repoDigests() {
    return strings(attrs.path("RepoDigests"), "<none>@<none>");
  }

  private static List<String> strings(JsonNode array, String placeholder) {
    List<String> out = new ArrayList<>();
    for (JsonNode t : array) {
      if (!t.isNull() && !t.asText().equals(placeholder)) {
        out.add(t.asText());
      }
    }
    return Collections.unmodifiableList(out);
  }

  /** Image labels (from the list summary or the inspect document's Config). */
  public Map<String, String> labels() {
    JsonNode labels = attrs.path("Labels");
    if (labels.isMissingNode() || labels.isNull()) {
      labels = attrs.path("Config").path("Labels");
    }
    Map<String, String> out = new LinkedHashMap<>();
    labels.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return Collections.unmodifiableMap(out);
  }

  /** Creation time, or null when the engine doesn't say. */
  public Instant created() {
    JsonNode c = attrs.path("Created");
    if (c.isNumber()) {
      return Instant.ofEpochSecond(c.asLong());
    }
    if (c.isTextual()) {
      try {
        return Instant.parse(c.asText());
      } catch (DateTimeParseException e) {
        return null;
      }
    }
    return null;
  }

  /** Size in bytes. */
  public long size() {
    return attrs.path("Size").asLong(0);
  }

  /** Re-reads the attributes from the engine (full inspect document). */
  public Image reload() {
    this.attrs = manager.inspect(id());
    return this;
  }

  /** The image's history (layers and the commands that made them). */
  public List<JsonNode> history() {
    return manager.history(id());
  }

  /** Removes this image. */
  public RemoveReport remove(boolean force, boolean noprune) {
    return manager.remove(id(), force, noprune);
  }

  /** Tags this image as {@code repository:tag}; true on success. */
  public boolean tag(String repository, String tag, boolean force) {
    return manager.tag(id(), repository, tag, force);
  }

  /**
   * This image as a {@code docker-archive} tarball (podman-py's {@code Image.save}): by default
   * unnamed (saved by ID, {@code named=False}); {@link SaveOptions#named()} true names it by its
   * first tag, {@link SaveOptions#namedTag()} by that tag. Read and close the archive.
   */
  public ImageArchive save(SaveOptions options) {
    return manager.save(id(), options);
  }

  /** {@link #save(SaveOptions)} with 2 MiB chunks, unnamed. */
  public ImageArchive save() {
    return save(SaveOptions.defaults());
  }

  @Override
  public String toString() {
    return "Image[" + shortId() + " " + tags() + "]";
  }
}
