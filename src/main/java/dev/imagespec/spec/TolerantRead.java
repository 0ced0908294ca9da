package dev.imagespec.spec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.jsonFormatVisitors.JsonFormatVisitorWrapper;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.io.IOException;

/**
 * How the {@code spec} and {@code status} of ImageSpecs and ImageNodes are read from the API
 * server, so that one object this version cannot read never stops the operator (a newer CRD during
 * a rolling upgrade, a hand-edited object): unknown fields are ignored and the rest is kept; a
 * {@code spec} that still does not bind (a wrong type, an unknown enum value) becomes {@link
 * ImageSpecSpec#unreadable()} (the object is kept, with its raw JSON, and {@link SpecValidator}
 * reports why), a {@code status} that does not bind is read as none (its writer replaces it).
 *
 * <p>Manifests stay strict: {@link StrictBinder} sets the {@link #STRICT} attribute, and then the
 * normal binding runs.
 */
public final class TolerantRead {
  /** Reader attribute: bind strictly, report every problem (manifests). */
  static final String STRICT = "imagespec.strictBinding";

  private static final int MAX_VALUE = 100;

  private static final ObjectMapper LENIENT =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private TolerantRead() {}

  /** Reads a {@code spec} or {@code status} property; never fails on its contents. */
  public static final class Reader extends JsonDeserializer<Object>
      implements ContextualDeserializer {
    private final JavaType type;

    public Reader() {
      this(null);
    }

    private Reader(JavaType type) {
      this.type = type;
    }

    @Override
    public JsonDeserializer<?> createContextual(
        DeserializationContext ctxt, BeanProperty property) {
      return new Reader(property != null ? property.getType() : ctxt.getContextualType());
    }

    @Override
    public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (Boolean.TRUE.equals(ctxt.getAttribute(STRICT))) {
        return ctxt.readValue(p, type);
      }
      JsonNode tree = ctxt.readTree(p);
      try {
        return LENIENT.treeToValue(tree, type);
      } catch (IOException | RuntimeException e) {
        if (type.getRawClass() == ImageSpecSpec.class) {
          return ImageSpecSpec.unreadable(tree, problem(tree, e), selector(tree));
        }
        return null; // a status: its writer writes a new one
      }
    }
  }

  /** Writes an unreadable spec back as it was read (JOSDK clones resources through JSON). */
  public static final class SpecWriter extends JsonSerializer<ImageSpecSpec> {
    @Override
    public void serialize(ImageSpecSpec value, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      if (value.raw() != null) {
        gen.writeTree(value.raw());
      } else {
        provider.findValueSerializer(ImageSpecSpec.class).serialize(value, gen, provider);
      }
    }

    /** The schema is the model's (the CRD generator asks). */
    @Override
    public void acceptJsonFormatVisitor(JsonFormatVisitorWrapper visitor, JavaType type)
        throws JsonMappingException {
      visitor.getProvider().findValueSerializer(type).acceptJsonFormatVisitor(visitor, type);
    }
  }

  /** The node selector of a spec that does not bind as a whole, when it binds on its own. */
  private static LabelSelector selector(JsonNode spec) {
    JsonNode s = spec.get("nodeSelector");
    if (s == null || s.isNull()) {
      return null;
    }
    try {
      return LENIENT.treeToValue(s, LabelSelector.class);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The field, the value and what was expected, with what to do. */
  static Violation problem(JsonNode spec, Exception e) {
    String field = "spec";
    String expected = null;
    JsonNode value = spec;
    if (e instanceof JsonMappingException jme) {
      String path = StrictBinder.path(jme.getPath());
      field = path.isEmpty() ? "spec" : "spec." + path;
      value = spec.at(pointer(jme));
      if (jme instanceof InvalidFormatException ife) {
        expected = StrictBinder.typeName(ife.getTargetType());
      } else if (jme instanceof MismatchedInputException mie && mie.getTargetType() != null) {
        expected = StrictBinder.typeName(mie.getTargetType());
      }
    }
    String shown =
        value == null || value.isMissingNode()
            ? ""
            : " " + Conditions.shorten(value.toString(), MAX_VALUE);
    return new Violation(
        field,
        "cannot read"
            + shown
            + (expected == null
                ? " (" + YamlDocuments.firstLine(e.getMessage()) + ")"
                : ": expected " + expected)
            + "; correct the field, or upgrade the imagespec operator if a newer version wrote"
            + " it");
  }

  private static JsonPointer pointer(JsonMappingException e) {
    JsonPointer p = JsonPointer.empty();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        p = p.appendProperty(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        p = p.appendIndex(r.getIndex());
      }
    }
    return p;
  }
}
