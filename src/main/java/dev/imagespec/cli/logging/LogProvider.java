package dev.imagespec.cli.logging;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * imagespec's SLF4J backend (found through {@code META-INF/services}): text or JSON lines on
 * standard error, configured by {@link LogConfig}. The settings are read when the first logger is
 * made.
 */
public final class LogProvider implements SLF4JServiceProvider {
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();
  private volatile Factory factory;

  @Override
  public ILoggerFactory getLoggerFactory() {
    return factory;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {
    factory = new Factory();
  }

  private static final class Factory implements ILoggerFactory {
    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();
    private volatile LogConfig config;

    @Override
    public Logger getLogger(String name) {
      LogConfig c = config;
      if (c == null) {
        c = config = LogConfig.fromSystem();
      }
      LogConfig used = c;
      return loggers.computeIfAbsent(name, n -> new LineLogger(n, used));
    }
  }
}
