package dev.imagespec.spec;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;

/** A 5-field UNIX cron expression, evaluated in UTC. */
public final class CronSchedule {
  private static final CronParser PARSER =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private final String expression;
  private final ExecutionTime executionTime;

  private CronSchedule(String expression, Cron cron) {
    this.expression = expression;
    this.executionTime = ExecutionTime.forCron(cron);
  }

  /**
   * Parses a 5-field UNIX cron expression.
   *
   * @throws IllegalArgumentException naming the expression and the problem
   */
  public static CronSchedule parse(String expression) {
    if (expression == null || expression.isBlank()) {
      throw new IllegalArgumentException("invalid cron expression '': it is empty");
    }
    String trimmed = expression.trim();
    int fields = trimmed.split("\\s+").length;
    if (fields != 5) {
      throw new IllegalArgumentException(
          "invalid cron expression '"
              + expression
              + "': expected 5 fields (minute hour day-of-month month day-of-week), got "
              + fields);
    }
    try {
      Cron cron = PARSER.parse(trimmed);
      cron.validate();
      return new CronSchedule(trimmed, cron);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "invalid cron expression '" + expression + "': " + e.getMessage(), e);
    }
  }

  public String expression() {
    return expression;
  }

  /** The first scheduled time strictly after {@code time}. */
  public Optional<Instant> nextAfter(Instant time) {
    return executionTime
        .nextExecution(ZonedDateTime.ofInstant(time, ZoneOffset.UTC))
        .map(ZonedDateTime::toInstant);
  }

  /** The last scheduled time strictly before {@code time}. */
  public Optional<Instant> lastBefore(Instant time) {
    return executionTime
        .lastExecution(ZonedDateTime.ofInstant(time, ZoneOffset.UTC))
        .map(ZonedDateTime::toInstant);
  }

  @Override
  public String toString() {
    return expression;
  }
}
