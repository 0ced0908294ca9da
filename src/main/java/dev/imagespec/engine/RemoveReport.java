package dev.imagespec.engine;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What a remove did, in podman-py's shape: references untagged, image IDs deleted, errors, and the
 * exit code Podman reports (0 on Docker).
 */
public record RemoveReport(
    @JsonProperty("Deleted") List<String> deleted,
    @JsonProperty("Untagged") List<String> untagged,
    @JsonProperty("Errors") List<String> errors,
    @JsonProperty("ExitCode") int exitCode) {
  public RemoveReport {
    deleted = List.copyOf(deleted);
    untagged = List.copyOf(untagged);
    errors = List.copyOf(errors);
  }
}
