package dev.imagespec.engine.cri;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/** What an image's config says that CRI's Image lacks. */
record ConfigFacts(Map<String, String> labels, Instant created, boolean known) {
  static final ConfigFacts NONE = new ConfigFacts(Map.of(), null, false);

  /** From the verbose info JSON: {@code imageSpec.config.Labels}, {@code imageSpec.created}. */
  static ConfigFacts of(String infoJson) {
    if (infoJson == null || infoJson.isBlank()) {
      return NONE;
    }
    JsonNode spec;
    try {
      spec = CriRuntime.JSON.readTree(infoJson).path("imageSpec");
    } catch (Exception e) {
      return NONE;
    }
    if (!spec.isObject()) {
      return NONE;
    }
    Map<String, String> labels = new LinkedHashMap<>();
    spec.path("config")
        .path("Labels")
        .fields()
        .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    Instant created = null;
    if (spec.path("created").isTextual()) {
      try {
        created = OffsetDateTime.parse(spec.path("created").asText()).toInstant();
      } catch (DateTimeParseException e) {
        created = null;
      }
    }
    return new ConfigFacts(labels, created, true);
  }
}
