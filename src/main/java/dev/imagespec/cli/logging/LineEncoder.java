package dev.imagespec.cli.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.event.KeyValuePair;

/**
 * One line per event, as text ({@code LEVEL Logger - message key=value ...}) or as a JSON object
 * ({@code {"time":...,"level":...,"logger":...,"message":...,"key":value,...,"error":...,
 * "stack":...}}). Key-value pairs come from SLF4J's fluent API ({@code
 * LOG.atInfo().addKeyValue("node", n).log(...)}); pairs with a null value are left out.
 */
final class LineEncoder extends EncoderBase<ILoggingEvent> {
  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[] NONE = new byte[0];

  private final boolean json;

  LineEncoder(boolean json) {
    this.json = json;
  }

  @Override
  public byte[] headerBytes() {
    return NONE;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    String line = json ? json(event) : text(event);
    return (line + System.lineSeparator()).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] footerBytes() {
    return NONE;
  }

  private static String text(ILoggingEvent e) {
    String name = e.getLoggerName();
    StringBuilder b = new StringBuilder(e.getLevel().toString()).append(' ');
    b.append(name.substring(name.lastIndexOf('.') + 1)).append(" - ");
    b.append(e.getFormattedMessage());
    for (KeyValuePair p : pairs(e)) {
      if (p.value != null) {
        b.append(' ').append(p.key).append('=').append(p.value);
      }
    }
    Throwable t = throwable(e);
    if (t != null) {
      b.append(System.lineSeparator()).append(stackTrace(t).stripTrailing());
    }
    return b.toString();
  }

  private static String json(ILoggingEvent e) {
    String message = e.getFormattedMessage();
    StringWriter out = new StringWriter(128 + (message == null ? 0 : message.length()));
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", e.getInstant().toString());
      g.writeStringField("level", e.getLevel().toString());
      g.writeStringField("logger", e.getLoggerName());
      g.writeStringField("message", message);
      for (KeyValuePair p : pairs(e)) {
        if (p.value == null) {
          continue;
        }
        if (p.value instanceof Number n) {
          g.writeFieldName(p.key);
          g.writeNumber(n.toString());
        } else if (p.value instanceof Boolean bool) {
          g.writeBooleanField(p.key, bool);
        } else {
          g.writeStringField(p.key, String.valueOf(p.value));
        }
      }
      Throwable t = throwable(e);
      if (t != null) {
        g.writeStringField("error", String.valueOf(t));
        g.writeStringField("stack", stackTrace(t));
      }
      g.writeEndObject();
    } catch (IOException x) {
      return "{\"level\":\"ERROR\",\"message\":\"log line not written: " + x + "\"}";
    }
    return out.toString();
  }

  private static List<KeyValuePair> pairs(ILoggingEvent e) {
    List<KeyValuePair> kv = e.getKeyValuePairs();
    return kv == null ? List.of() : kv;
  }

  /** The event's exception (logback keeps the original, behind its proxy, in this JVM). */
  private static Throwable throwable(ILoggingEvent e) {
    IThrowableProxy p = e.getThrowableProxy();
    return p instanceof ThrowableProxy tp ? tp.getThrowable() : null;
  }

  private static String stackTrace(Throwable t) {
    StringWriter s = new StringWriter();
    t.printStackTrace(new PrintWriter(s));
    return s.toString();
  }
}
