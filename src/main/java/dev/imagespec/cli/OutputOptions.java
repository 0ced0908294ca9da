package dev.imagespec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** {@code -o table|json}. */
final class OutputOptions {
  enum Format {
    table,
    json
  }

  static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: table).")
  Format format = Format.table;

  boolean json() {
    return format == Format.json;
  }

  static void printJson(PrintWriter out, Object value) {
    try {
      out.println(JSON.writeValueAsString(value));
      out.flush();
    } catch (Exception e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }
}
