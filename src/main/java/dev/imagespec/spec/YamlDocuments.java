package dev.imagespec.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.function.BiConsumer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Splits a source's text into its YAML documents (counted from 1), strictly: a syntax error or a
 * duplicate key ends the source with an error naming the document, line and column.
 */
final class YamlDocuments {
  private final ObjectMapper yaml =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  /**
   * Gives each document of {@code text} to {@code document}, in order; errors go to {@code out}.
   */
  void read(
      String source,
      String text,
      ManifestCollector out,
      BiConsumer<ManifestSource, JsonNode> document) {
    int doc = 0;
    try (JsonParser parser = yaml.getFactory().createParser(text);
        MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(parser)) {
      while (true) {
        int index = doc + 1;
        JsonNode node;
        try {
          if (!it.hasNextValue()) {
            break;
          }
          node = it.nextValue();
        } catch (IOException | RuntimeException e) {
          out.error(source, index, null, null, yamlError(e));
          break;
        }
        doc = index;
        document.accept(new ManifestSource(source, index), node);
      }
    } catch (IOException e) {
      out.error(source, doc + 1, null, null, yamlError(e));
    }
  }

  private static String yamlError(Exception e) {
    Throwable t = e;
    if (e instanceof RuntimeException && e.getCause() instanceof IOException io) {
      t = io;
    }
    String message = t.getMessage();
    String location = "";
    if (t.getCause() instanceof MarkedYAMLException y) {
      String context = y.getContext() == null ? "" : y.getContext().strip() + ": ";
      String problem = y.getProblem() == null ? "" : y.getProblem().strip();
      Mark mark = y.getProblemMark() != null ? y.getProblemMark() : y.getContextMark();
      if (mark != null) {
        location = " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
      }
      return "YAML syntax error" + location + ": " + firstLine(context + problem);
    }
    if (t instanceof JsonProcessingException jpe) {
      message = jpe.getOriginalMessage();
      if (jpe.getLocation() != null && jpe.getLocation().getLineNr() > 0) {
        location =
            " at line "
                + jpe.getLocation().getLineNr()
                + ", column "
                + jpe.getLocation().getColumnNr();
      }
    }
    if (message != null && message.startsWith("Duplicate field '")) {
      int end = message.indexOf('\'', "Duplicate field '".length());
      String key = end > 0 ? message.substring("Duplicate field '".length(), end) : "?";
      return "YAML error" + location + ": duplicate key '" + key + "'";
    }
    return "YAML syntax error" + location + ": " + firstLine(message);
  }

  /** The first line of a library's message, trimmed. */
  static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    String trimmed = s.strip();
    int nl = trimmed.indexOf('\n');
    return nl < 0 ? trimmed : trimmed.substring(0, nl).strip();
  }
}
