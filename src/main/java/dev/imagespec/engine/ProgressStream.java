package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import java.io.IOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.Response;

/**
 * A progress stream read incrementally from an open response: each {@link #next()} parses one JSON
 * item off the wire; nothing is buffered beyond it. An item carrying {@code error} or {@code
 * errorDetail} raises {@link StreamException} — a 200 answer is never taken as success by itself.
 * Close it (try-with-resources) to release the connection; closing early cancels the operation's
 * stream.
 */
public final class ProgressStream implements Iterator<ProgressEvent>, AutoCloseable {
  private final Response response;
  private final MappingIterator<JsonNode> items;
  private final String what;
  private final Call call;
  private final Consumer<ProgressEvent> observer;
  private final BiFunction<String, JsonNode, StreamException> errors;
  private ProgressEvent last;
  private volatile boolean closed;
  private volatile boolean aborted;

  /** The deadline of the thread that opened the stream (the call's timeout), or null. */
  private final Deadline deadline = Deadline.current().orElse(null);

  ProgressStream(Response response, String what) {
    this(response, what, null, null, null);
  }

  ProgressStream(Response response, String what, Call call) {
    this(response, what, call, null, null);
  }

  /**
   * @param call the call behind {@code response}, so {@link #abort()} can cut it from any thread
   * @param observer sees every item before it is returned (e.g. to keep a build's log)
   * @param errors makes the exception for an error item from the message and the item
   */
  ProgressStream(
      Response response,
      String what,
      Call call,
      Consumer<ProgressEvent> observer,
      BiFunction<String, JsonNode, StreamException> errors) {
    this.response = response;
    this.what = what;
    this.call = call;
    this.observer = observer;
    this.errors = errors != null ? errors : StreamException::new;
    try {
      this.items =
          Transport.JSON.readerFor(JsonNode.class).readValues(response.body().byteStream());
    } catch (IOException e) {
      response.close();
      throw broken(e, what + ": cannot read progress stream");
    }
  }

  /** The call's deadline cut the stream, else the engine connection broke. */
  private RuntimeException broken(IOException e, String message) {
    if (deadline != null && deadline.cut(e)) {
      return deadline.exceeded(what, e);
    }
    return new EngineUnavailableException(message + ": " + Transport.describe(e), e);
  }

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
    } catch (IOException e) {
      close();
      if (aborted) {
        return false;
      }
      throw broken(e, what + ": progress stream broke off");
    }
  }

  @Override
  public ProgressEvent next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    JsonNode node;
    try {
      node = items.nextValue();
    } catch (IOException e) {
      close();
      throw broken(e, what + ": progress stream broke off");
    }
    ProgressEvent event = ProgressEvent.of(node);
    if (observer != null) {
      observer.accept(event);
    }
    if (event.isError()) {
      close();
      throw errors.apply(what + ": " + event.error().strip(), node);
    }
    last = event;
    return event;
  }

  /** Reads the stream to its end, handing each item to {@code listener}; returns the last item. */
  public ProgressEvent drain(Consumer<ProgressEvent> listener) {
    try (this) {
      while (hasNext()) {
        ProgressEvent e = next();
        if (listener != null) {
          listener.accept(e);
        }
      }
      return last;
    }
  }

  /** Reads the stream to its end; returns the last item (null for an empty stream). */
  public ProgressEvent drain() {
    return drain(null);
  }

  /**
   * Cuts the connection at once, from any thread: a thread blocked reading this stream sees its
   * end. Use {@link #close()} from the reading thread.
   */
  public void abort() {
    aborted = true;
    if (call != null) {
      call.cancel();
    } else {
      close();
    }
  }

  /** True once the stream was closed or read to its end. */
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      try {
        items.close();
      } catch (IOException ignored) {
        // the response is closed below either way
      } finally {
        response.close();
      }
    }
  }
}
