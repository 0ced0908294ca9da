package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One item of an engine progress stream (pull, push, load, import, build), typed.
 *
 * <p>Docker sends {@code status}/{@code id}/{@code progress}/{@code progressDetail}; Podman's
 * libpod endpoints send {@code stream} lines and a final {@code images}/{@code id}; builds send
 * {@code stream} lines and an {@code aux} item. {@link #raw()} keeps the item as received.
 *
 * @param status status text, e.g. {@code Downloading}
 * @param id layer or image id the status refers to
 * @param progress the engine's progress bar text
 * @param current bytes done, -1 when unknown
 * @param total bytes in all, -1 when unknown
 * @param stream a log line (libpod, build)
 * @param error the error text when this item reports a failure
 * @param raw the item as received
 */
public record ProgressEvent(
    String status,
    String id,
    String progress,
    long current,
    long total,
    String stream,
    String error,
    JsonNode raw) {

  static ProgressEvent of(JsonNode n) {
    JsonNode detail = n.path("progressDetail");
    String error = text(n, "error");
    if (error == null && n.path("errorDetail").hasNonNull("message")) {
      error = n.path("errorDetail").get("message").asText();
    }
    return new ProgressEvent(
        text(n, "status"),
        text(n, "id"),
        text(n, "progress"),
        detail.path("current").asLong(-1),
        detail.path("total").asLong(-1),
        text(n, "stream"),
        error,
        n);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  public boolean isError() {
    return error != null && !error.isEmpty();
  }

  /** The {@code aux} object (push digest, build image id), or a missing node. */
  public JsonNode aux() {
    return raw.path("aux");
  }

  /** A one-line human form of this item. */
  public String describe() {
    if (isError()) {
      return "error: " + error;
    }
    if (stream != null) {
      return stream.stripTrailing();
    }
    StringBuilder b = new StringBuilder();
    if (id != null) {
      b.append(id).append(": ");
    }
    if (status != null) {
      b.append(status);
    }
    if (progress != null && !progress.isEmpty()) {
      b.append(' ').append(progress);
    }
    return b.toString();
  }
}
