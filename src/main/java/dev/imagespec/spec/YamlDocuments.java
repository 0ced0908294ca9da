package dev.imagespec.spec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.function.BiConsumer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Splits a source's text into its YAML documents (counted from 1), strictly: a syntax error, a
 * duplicate key, an alias ({@code *name}) or nesting deeper than {@link ManifestLimits#MAX_DEPTH}
 * ends the source with an error naming the document, line and column. A document whose keys or
 * strings hold characters {@link ManifestLimits} refuses (written as escapes) is an error too.
 *
 * <p>Aliases are refused rather than expanded: Jackson's YAML parser would give an alias's name as
 * a string, and expanding them is how a few lines become gigabytes ("billion laughs").
 */
final class YamlDocuments {
  private final ObjectMapper yaml =
      new ObjectMapper(yamlFactory()).enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  private static YAMLFactory yamlFactory() {
    // not YAMLFactory.builder(): its factory reads an empty document as "" instead of null
    YAMLFactory f = new YAMLFactory();
    f.setStreamReadConstraints(ManifestLimits.readConstraints());
    return f;
  }

  /**
   * Gives each document of {@code text} to {@code document}, in order; errors go to {@code out}.
   */
  void read(
      String source,
      String text,
      ManifestCollector out,
      BiConsumer<ManifestSource, JsonNode> document) {
    int doc = 0;
    try (JsonParser parser = new NoAliases(yaml.getFactory().createParser(text));
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
          out.error(source, index, null, null, yamlError(e, parser.currentLocation()));
          break;
        }
        doc = index;
        Violation bad = node == null ? null : ManifestLimits.checkValues(node);
        if (bad != null) {
          out.error(source, index, null, bad.field(), bad.message());
          continue;
        }
        document.accept(new ManifestSource(source, index), node);
      }
    } catch (IOException e) {
      out.error(source, doc + 1, null, null, yamlError(e, null));
    }
  }

  /** {@code e} as a message; {@code at}: where the parser was, for errors that do not say. */
  private static String yamlError(Exception e, JsonLocation at) {
    Throwable t = e;
    if (e instanceof RuntimeException && e.getCause() instanceof IOException io) {
      t = io;
    }
    if (t instanceof AliasRefused a) {
      return a.getOriginalMessage();
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
    if (t instanceof StreamConstraintsException) {
      if (location.isEmpty() && at != null && at.getLineNr() > 0) {
        location = " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      }
      boolean depth = message != null && message.contains("nesting depth");
      return (depth ? "YAML nested too deeply" : "YAML document too large")
          + location
          + ": "
          + firstLine(message).replaceAll(", from `[^`]*`", "")
          + (depth
              ? "; an ImageSpec is nested a few levels deep: check the brackets and indentation"
              : "; shorten it");
    }
    if (message != null && message.startsWith("Expected a field name")) {
      return "YAML error"
          + location
          + ": a key must be a plain value, found "
          + (message.contains("AliasEvent")
              ? "an alias (*name): aliases are not supported, write the key out"
              : message.contains("SequenceStartEvent")
                  ? "a list: write a plain key"
                  : message.contains("MappingStartEvent")
                      ? "a mapping: write a plain key"
                      : "something else: write a plain key");
    }
    if (message != null && message.startsWith("Duplicate field '")) {
      int end = message.indexOf('\'', "Duplicate field '".length());
      String key = end > 0 ? message.substring("Duplicate field '".length(), end) : "?";
      return "YAML error" + location + ": duplicate key '" + key + "'";
    }
    return "YAML syntax error" + location + ": " + firstLine(message);
  }

  /**
   * A parser that refuses aliases ({@code *name}) where Jackson would give the name as a string.
   */
  private static final class NoAliases extends JsonParserDelegate {
    NoAliases(JsonParser yaml) {
      super(yaml);
    }

    @Override
    public JsonToken nextToken() throws IOException {
      JsonToken t = delegate.nextToken();
      if (delegate instanceof YAMLParser y && y.isCurrentAlias()) {
        throw new AliasRefused(this, y.getText(), y.currentTokenLocation());
      }
      return t;
    }

    // JsonParserDelegate hands these to the delegate; they must go through nextToken() above.
    @Override
    public JsonToken nextValue() throws IOException {
      JsonToken t = nextToken();
      return t == JsonToken.FIELD_NAME ? nextToken() : t;
    }

    @Override
    public String nextFieldName() throws IOException {
      return nextToken() == JsonToken.FIELD_NAME ? currentName() : null;
    }

    @Override
    public boolean nextFieldName(SerializableString name) throws IOException {
      return nextToken() == JsonToken.FIELD_NAME && name.getValue().equals(currentName());
    }

    @Override
    public String nextTextValue() throws IOException {
      return nextToken() == JsonToken.VALUE_STRING ? getText() : null;
    }

    @Override
    public int nextIntValue(int defaultValue) throws IOException {
      return nextToken() == JsonToken.VALUE_NUMBER_INT ? getIntValue() : defaultValue;
    }

    @Override
    public long nextLongValue(long defaultValue) throws IOException {
      return nextToken() == JsonToken.VALUE_NUMBER_INT ? getLongValue() : defaultValue;
    }

    @Override
    public Boolean nextBooleanValue() throws IOException {
      JsonToken t = nextToken();
      return t == JsonToken.VALUE_TRUE
          ? Boolean.TRUE
          : t == JsonToken.VALUE_FALSE ? Boolean.FALSE : null;
    }
  }

  /** An alias in a document, refused where it stands. */
  private static final class AliasRefused extends JsonParseException {
    AliasRefused(JsonParser p, String name, JsonLocation at) {
      super(
          p,
          "YAML alias '*"
              + ManifestLimits.shown(name)
              + "' at line "
              + at.getLineNr()
              + ", column "
              + at.getColumnNr()
              + ": aliases are not supported; write the value out in full",
          at);
    }
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
