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
    json,
    yaml
  }

  /**
   * The writers, made at first use: a table or {@code -q} needs neither (nor YAML, nor java.time).
   */
  private static final class YamlWriter {
    static final ObjectMapper YAML =
        new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
            .disable(
                com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .registerModule(new JavaTimeModule())
            .setSerializationInclusion(
                com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  }

  private static final class JsonWriter {
    static final ObjectMapper JSON =
        new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT);
  }

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: table).")
  Format format = Format.table;

  /** True for the machine-readable formats (json, yaml). */
  boolean json() {
    return format != Format.table;
  }

  /** Prints {@code value} as JSON or YAML, per the chosen format. */
  void print(PrintWriter out, Object value) {
    if (format == Format.yaml) {
      try {
        out.print(YamlWriter.YAML.writeValueAsString(value));
        out.flush();
      } catch (Exception e) {
        throw new IllegalStateException("cannot write YAML", e);
      }
    } else {
      printJson(out, value);
    }
  }

  static void printJson(PrintWriter out, Object value) {
    try {
      out.println(JsonWriter.JSON.writeValueAsString(value));
      out.flush();
    } catch (Exception e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }
}
