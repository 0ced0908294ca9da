package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import okhttp3.Call;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The engine's event stream ({@code GET /events}, Docker-compatible on both engines), reduced to
 * what imagespec needs: image events (pull, tag, untag, delete, ...), read one at a time.
 */
public final class Events {
  private final EngineClient client;

  Events(EngineClient client) {
    this.client = client;
  }

  /**
   * Opens the stream of image events from now on. Read it with {@link Subscription#next()}; {@link
   * Subscription#close()} ends it from any thread, unblocking a reader.
   *
   * @throws EngineUnavailableException when the engine cannot be reached
   */
  public Subscription images() {
    Map<String, List<String>> filters = new LinkedHashMap<>();
    filters.put("type", List.of("image"));
    Request request =
        client
            .transport()
            .request(
                client
                    .compat("events")
                    .addQueryParameter("filters", Filters.encode(filters))
                    .build(),
                null)
            .get()
            .build();
    Call call = client.transport().newCall(request, true);
    Response response = client.transport().execute(call, Transport.NotFound.OTHER);
    return new Subscription(call, response);
  }

  /**
   * One event.
   *
   * @param type {@code image}
   * @param action {@code pull}, {@code tag}, {@code untag}, {@code delete}, {@code import}, ...
   * @param id the image the event is about (reference or ID, as the engine says it)
   * @param timeNanos when it happened, nanoseconds since the epoch (0 when not given)
   */
  public record Event(String type, String action, String id, long timeNanos) {
    static Event of(JsonNode n) {
      String type = text(n, "Type", text(n, "type", null));
      String action = text(n, "Action", text(n, "status", null));
      String id = text(n, "id", n.path("Actor").path("ID").asText(null));
      long nanos = n.path("timeNano").asLong(n.path("time").asLong(0) * 1_000_000_000L);
      return new Event(type, action, id, nanos);
    }

    private static String text(JsonNode n, String field, String fallback) {
      JsonNode v = n.get(field);
      return v == null || v.isNull() ? fallback : v.asText();
    }
  }

  /** An open event stream. */
  public static final class Subscription implements Iterator<Event>, AutoCloseable {
    private final Call call;
    private final Response response;
    private final MappingIterator<JsonNode> items;
    private volatile boolean closed;

    Subscription(Call call, Response response) {
      this.call = call;
      this.response = response;
      try {
        this.items =
            Transport.JSON.readerFor(JsonNode.class).readValues(response.body().byteStream());
      } catch (IOException e) {
        close();
        throw new EngineUnavailableException("cannot read the engine's event stream: " + e, e);
      }
    }

    /** Blocks until the next event; false when the stream ended or was closed. */
    @Override
    public boolean hasNext() {
      if (closed) {
        return false;
      }
      try {
        boolean more = items.hasNextValue();
        if (!more) {
          close();
        }
        return more;
      } catch (IOException | RuntimeException e) {
        if (closed) {
          return false;
        }
        close();
        throw new EngineUnavailableException(
            "the engine's event stream broke off: " + e.getMessage(), e);
      }
    }

    @Override
    public Event next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      try {
        return Event.of(items.nextValue());
      } catch (IOException e) {
        close();
        throw new EngineUnavailableException(
            "the engine's event stream broke off: " + e.getMessage(), e);
      }
    }

    /** Ends the stream; a thread blocked in {@link #hasNext()} returns false. */
    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      call.cancel();
      response.close();
    }
  }
}
