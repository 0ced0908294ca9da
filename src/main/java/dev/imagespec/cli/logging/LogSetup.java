package dev.imagespec.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Sets logback up from {@link LogConfig} (found through {@code META-INF/services}, no XML): one
 * appender writing {@link LineEncoder}'s lines to standard error, the root logger at the library
 * threshold and each configured logger prefix at its own. The settings are read when the first
 * logger is made.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
  @Override
  public ExecutionStatus configure(LoggerContext context) {
    LogConfig config = LogConfig.fromSystem();
    LineEncoder encoder = new LineEncoder(config.json());
    encoder.setContext(context);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("stderr");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(level(config.rootLevel()));
    root.addAppender(stderr);
    for (Map.Entry<String, org.slf4j.event.Level> e : config.levels().entrySet()) {
      context.getLogger(e.getKey()).setLevel(level(e.getValue()));
    }
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** SLF4J's level as logback's; {@code null} (configured {@code off}) writes nothing. */
  private static Level level(org.slf4j.event.Level level) {
    return level == null ? Level.OFF : Level.toLevel(level.name());
  }
}
