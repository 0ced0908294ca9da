package dev.imagespec.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.ValueInstantiator;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Binds a YAML document to its Java type strictly: unknown fields, wrong types and bad enum values
 * are all collected as {@link Violation}s with their field paths (binding goes on past them), so a
 * document's problems are reported at once.
 */
final class StrictBinder {
  private final ObjectMapper json = strictMapper();

  private static ObjectMapper strictMapper() {
    ObjectMapper m =
        new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
    // a number or boolean where a string belongs (name: 12, labels: {a: true}), or a number where a
    // boolean belongs (dangling: 12), is a wrong type, as the Kubernetes API server has it
    m.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    m.coercionConfigFor(LogicalType.Boolean)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    return m;
  }

  /** {@code node} as a {@code type}, or null when it cannot be bound; problems go to issues. */
  <T> T bind(JsonNode node, Class<T> type, List<Violation> issues) {
    try {
      // Re-parse from bytes (not a tree parser) so that parsing contexts give exact field paths.
      byte[] bytes = json.writeValueAsBytes(node);
      return json.readerFor(type)
          .withAttribute(TolerantRead.STRICT, Boolean.TRUE)
          .withHandler(new CollectingHandler(issues))
          .readValue(bytes);
    } catch (JsonMappingException e) {
      issues.add(new Violation(path(e.getPath()), describe(e)));
      return null;
    } catch (IOException e) {
      issues.add(
          new Violation(null, "cannot read document: " + YamlDocuments.firstLine(e.getMessage())));
      return null;
    }
  }

  /**
   * Fields a Fabric8 model object kept as additional properties (it accepts any): unknown fields
   * under {@code base}, in sorted order.
   */
  static void unknownFields(String base, Map<String, Object> extra, List<Violation> issues) {
    if (extra == null) {
      return;
    }
    for (String name : extra.keySet().stream().sorted().toList()) {
      issues.add(
          new Violation(base.isEmpty() ? name : base + "." + name, "unknown field '" + name + "'"));
    }
  }

  private static String describe(JsonMappingException e) {
    if (e instanceof InvalidFormatException ife) {
      return invalidValue(ife.getTargetType(), String.valueOf(ife.getValue()));
    }
    if (e instanceof MismatchedInputException mie && mie.getTargetType() != null) {
      return "invalid value: expected " + typeName(mie.getTargetType());
    }
    // Jackson's own wording names Java classes: keep the problem, drop the class names
    String message = YamlDocuments.firstLine(e.getOriginalMessage());
    if (e instanceof ValueInstantiationException) {
      int problem = message.indexOf("problem: ");
      message =
          "invalid value: "
              + (problem >= 0
                  ? message.substring(problem + "problem: ".length())
                  : "cannot be read");
    }
    return message.replaceAll("`(?:[\\w$]+\\.)+([\\w$]+)`", "$1");
  }

  static String path(List<JsonMappingException.Reference> refs) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        if (b.length() > 0) {
          b.append('.');
        }
        b.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  /** Field path of the value the parser is at. */
  static String path(JsonParser p) {
    JsonStreamContext c = p.getParsingContext();
    JsonToken t = p.currentToken();
    if ((t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) && c.getParent() != null) {
      c = c.getParent();
    }
    Deque<String> parts = new ArrayDeque<>();
    while (c != null && !c.inRoot()) {
      if (c.inObject() && c.getCurrentName() != null) {
        parts.push("." + c.getCurrentName());
      } else if (c.inArray()) {
        parts.push("[" + Math.max(c.getCurrentIndex(), 0) + "]");
      }
      c = c.getParent();
    }
    String s = String.join("", parts);
    return s.startsWith(".") ? s.substring(1) : s;
  }

  static String invalidValue(Class<?> type, String value) {
    if (type != null && type.isEnum()) {
      return "invalid value '"
          + value
          + "': must be one of "
          + Arrays.stream(type.getEnumConstants())
              .map(Object::toString)
              .collect(Collectors.joining(", "));
    }
    return "invalid value '" + value + "': expected " + typeName(type);
  }

  static String typeName(Class<?> type) {
    if (type == null) {
      return "another type";
    }
    if (type.isEnum()) {
      return "one of "
          + Arrays.stream(type.getEnumConstants())
              .map(Object::toString)
              .collect(Collectors.joining(", "));
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "a list";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "a boolean (true or false)";
    }
    if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
      return "a number";
    }
    return "a mapping";
  }

  static String tokenName(JsonParser p, JsonToken t) {
    try {
      return switch (t == null ? JsonToken.NOT_AVAILABLE : t) {
        case START_ARRAY -> "a list";
        case START_OBJECT -> "a mapping";
        case VALUE_STRING -> "string '" + p.getText() + "'";
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number " + p.getText();
        case VALUE_TRUE, VALUE_FALSE -> "boolean " + p.getText();
        case VALUE_NULL -> "null";
        default -> String.valueOf(t);
      };
    } catch (IOException e) {
      return String.valueOf(t);
    }
  }

  /** Records unknown fields, bad enum values and wrong types, and lets parsing go on. */
  private static final class CollectingHandler extends DeserializationProblemHandler {
    private final List<Violation> issues;

    CollectingHandler(List<Violation> issues) {
      this.issues = issues;
    }

    @Override
    public boolean handleUnknownProperty(
        DeserializationContext ctxt,
        JsonParser p,
        JsonDeserializer<?> deserializer,
        Object beanOrClass,
        String propertyName)
        throws IOException {
      String path = path(p);
      if (!path.endsWith(propertyName)) {
        path = path.isEmpty() ? propertyName : path + "." + propertyName;
      }
      String known = "";
      Collection<Object> names = deserializer.getKnownPropertyNames();
      if (names != null && !names.isEmpty()) {
        known =
            " (known fields: "
                + names.stream().map(Object::toString).sorted().collect(Collectors.joining(", "))
                + ")";
      }
      issues.add(new Violation(path, "unknown field '" + propertyName + "'" + known));
      p.skipChildren();
      return true;
    }

    @Override
    public Object handleWeirdStringValue(
        DeserializationContext ctxt,
        Class<?> targetType,
        String valueToConvert,
        String failureMsg) {
      issues.add(new Violation(path(ctxt.getParser()), invalidValue(targetType, valueToConvert)));
      return null;
    }

    @Override
    public Object handleWeirdNumberValue(
        DeserializationContext ctxt,
        Class<?> targetType,
        Number valueToConvert,
        String failureMsg) {
      issues.add(
          new Violation(
              path(ctxt.getParser()), invalidValue(targetType, valueToConvert.toString())));
      return null;
    }

    @Override
    public Object handleUnexpectedToken(
        DeserializationContext ctxt, JavaType targetType, JsonToken t, JsonParser p, String msg)
        throws IOException {
      issues.add(
          new Violation(
              path(p),
              "invalid value: expected "
                  + typeName(targetType == null ? null : targetType.getRawClass())
                  + ", got "
                  + tokenName(p, t)));
      p.skipChildren();
      return null;
    }

    @Override
    public Object handleMissingInstantiator(
        DeserializationContext ctxt,
        Class<?> instClass,
        ValueInstantiator valueInsta,
        JsonParser p,
        String msg)
        throws IOException {
      issues.add(
          new Violation(
              path(p),
              "invalid value: expected "
                  + typeName(instClass)
                  + ", got "
                  + tokenName(p, p.currentToken())));
      p.skipChildren();
      return null;
    }
  }
}
