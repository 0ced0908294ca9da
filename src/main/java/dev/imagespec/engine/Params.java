package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import okhttp3.HttpUrl;

/** Query parameters and small JSON helpers the image operations share. */
final class Params {
  private Params() {}

  /** Adds {@code name=true} when {@code value}. */
  static void flag(HttpUrl.Builder url, String name, boolean value) {
    if (value) {
      url.addQueryParameter(name, "true");
    }
  }

  /** Adds {@code name=value} unless the value is null. */
  static void param(HttpUrl.Builder url, String name, Object value) {
    if (value != null) {
      url.addQueryParameter(name, value.toString());
    }
  }

  static String json(Object value) {
    try {
      return Transport.JSON.writeValueAsString(value);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The texts of a JSON array; empty for anything else. */
  static List<String> texts(JsonNode arr) {
    List<String> out = new ArrayList<>();
    if (arr != null && arr.isArray()) {
      arr.forEach(n -> out.add(n.asText()));
    }
    return out;
  }
}
