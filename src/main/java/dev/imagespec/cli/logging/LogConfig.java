package dev.imagespec.cli.logging;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.event.Level;

/**
 * Where imagespec's log lines go and which are written, read once from system properties (set by
 * {@code Main} from the command line before the first logger exists) or the environment:
 *
 * <ul>
 *   <li>{@code imagespec.log.format} / {@code IMAGESPEC_LOG_FORMAT}: {@code text} (default) or
 *       {@code json} (one object per line: time, level, logger, message, key-value fields, error);
 *   <li>{@code imagespec.log.level} / {@code IMAGESPEC_LOG_LEVEL}: threshold for libraries (default
 *       {@code warn});
 *   <li>{@code imagespec.log.level.<logger prefix>}: threshold for loggers under that prefix, the
 *       longest prefix winning (e.g. {@code imagespec.log.level.dev.imagespec=info}).
 * </ul>
 */
record LogConfig(boolean json, Level rootLevel, Map<String, Level> levels) {
  static final String PREFIX = "imagespec.log.level.";

  static LogConfig fromSystem() {
    String format = setting("imagespec.log.format", "IMAGESPEC_LOG_FORMAT", "text").strip();
    if (!format.equalsIgnoreCase("text") && !format.equalsIgnoreCase("json")) {
      System.err.println(
          "imagespec: log format '"
              + format
              + "' (IMAGESPEC_LOG_FORMAT): expected text or json;"
              + " writing text");
    }
    Level root = level(setting("imagespec.log.level", "IMAGESPEC_LOG_LEVEL", "warn"), Level.WARN);
    Map<String, Level> levels = new TreeMap<>();
    for (String name : System.getProperties().stringPropertyNames()) {
      if (name.startsWith(PREFIX)) {
        levels.put(name.substring(PREFIX.length()), level(System.getProperty(name), root));
      }
    }
    return new LogConfig("json".equalsIgnoreCase(format), root, levels);
  }

  private static String setting(String property, String env, String fallback) {
    String v = System.getProperty(property);
    if (v == null || v.isBlank()) {
      v = System.getenv(env);
    }
    return v == null || v.isBlank() ? fallback : v;
  }

  /** {@code off} maps to a threshold above ERROR: nothing is written. */
  private static Level level(String name, Level fallback) {
    String n = name.strip().toUpperCase(Locale.ROOT);
    if (n.equals("OFF")) {
      return null;
    }
    if (n.equals("WARNING")) {
      return Level.WARN;
    }
    try {
      return Level.valueOf(n);
    } catch (IllegalArgumentException e) {
      System.err.println(
          "imagespec: log level '"
              + name
              + "' (IMAGESPEC_LOG_LEVEL): expected error, warn, info, debug, trace or off; using "
              + (fallback == null ? "off" : fallback.name().toLowerCase(Locale.ROOT)));
      return fallback;
    }
  }
}
