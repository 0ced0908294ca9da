package dev.imagespec.cli.logging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggingEventAware;

/**
 * A logger writing one line per event to standard error, as text ({@code LEVEL Logger - message
 * key=value ...}) or as a JSON object ({@code {"time":...,"level":...,"logger":...,"message":...,
 * "key":value,...,"error":...}}). Key-value pairs come from SLF4J's fluent API ({@code
 * LOG.atInfo().addKeyValue("node", n).log(...)}).
 */
final class LineLogger extends AbstractLogger implements LoggingEventAware {
  private static final JsonFactory JSON = new JsonFactory();

  private final transient LogConfig config;
  private final transient Level threshold;
  private final transient String shortName;

  LineLogger(String name, LogConfig config) {
    this.name = name;
    this.config = config;
    this.threshold = config.threshold(name);
    this.shortName = name.substring(name.lastIndexOf('.') + 1);
  }

  private boolean enabled(Level level) {
    return threshold != null && level.toInt() >= threshold.toInt();
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isTraceEnabled(Marker marker) {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isDebugEnabled(Marker marker) {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isInfoEnabled(Marker marker) {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isWarnEnabled(Marker marker) {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  public boolean isErrorEnabled(Marker marker) {
    return enabled(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String pattern, Object[] args, Throwable t) {
    write(level, MessageFormatter.basicArrayFormat(pattern, args), List.of(), t);
  }

  /** The fluent API's events, with their key-value pairs. */
  @Override
  public void log(LoggingEvent event) {
    if (!enabled(event.getLevel())) {
      return;
    }
    Object[] args = event.getArgumentArray();
    Throwable t = event.getThrowable();
    if (t == null
        && args != null
        && args.length > 0
        && args[args.length - 1] instanceof Throwable) {
      t = (Throwable) args[args.length - 1];
    }
    List<KeyValuePair> kv = event.getKeyValuePairs();
    write(
        event.getLevel(),
        MessageFormatter.basicArrayFormat(event.getMessage(), args),
        kv == null ? List.of() : kv,
        t);
  }

  private void write(Level level, String message, List<KeyValuePair> kv, Throwable t) {
    String line = config.json() ? json(level, message, kv, t) : text(level, message, kv, t);
    PrintStream err = System.err;
    synchronized (LineLogger.class) {
      err.println(line);
      err.flush();
    }
  }

  private String text(Level level, String message, List<KeyValuePair> kv, Throwable t) {
    StringBuilder b = new StringBuilder(level.name()).append(' ').append(shortName).append(" - ");
    b.append(message);
    for (KeyValuePair p : kv) {
      if (p.value == null) {
        continue;
      }
      b.append(' ').append(p.key).append('=').append(p.value);
    }
    if (t != null) {
      b.append(System.lineSeparator()).append(stackTrace(t).stripTrailing());
    }
    return b.toString();
  }

  private String json(Level level, String message, List<KeyValuePair> kv, Throwable t) {
    StringWriter out = new StringWriter(128 + message.length());
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", Instant.now().toString());
      g.writeStringField("level", level.name());
      g.writeStringField("logger", name);
      g.writeStringField("message", message);
      for (KeyValuePair p : kv) {
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
      if (t != null) {
        g.writeStringField("error", String.valueOf(t));
        g.writeStringField("stack", stackTrace(t));
      }
      g.writeEndObject();
    } catch (IOException e) {
      return "{\"level\":\"ERROR\",\"message\":\"log line not written: " + e + "\"}";
    }
    return out.toString();
  }

  private static String stackTrace(Throwable t) {
    StringWriter s = new StringWriter();
    t.printStackTrace(new PrintWriter(s));
    return s.toString();
  }
}
