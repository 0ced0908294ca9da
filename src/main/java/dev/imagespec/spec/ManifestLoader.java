package dev.imagespec.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.ValueInstantiator;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads manifests: YAML documents from files, directories (recursively, {@code *.yaml} and {@code
 * *.yml}, in sorted order) or standard input ({@code -}). Keeps {@code
 * imagespec.dev/v1alpha1/ImageSpec} and {@code v1/Secret}; other kinds are ignored with a warning.
 *
 * <p>Reading is strict: YAML syntax errors, duplicate keys, unknown fields, wrong types and bad
 * enum values are all errors; every ImageSpec is then checked by {@link SpecValidator}. Each error
 * names the source, the 1-based document index and the field. Nothing is thrown for bad input.
 */
public final class ManifestLoader {
  public static final String STDIN = "-";
  public static final String STDIN_NAME = "<stdin>";

  private final InputStream stdin;
  private final ObjectMapper yaml;
  private final ObjectMapper json;

  public ManifestLoader() {
    this(System.in);
  }

  /** A loader reading {@code -} from {@code stdin}. */
  public ManifestLoader(InputStream stdin) {
    this.stdin = stdin;
    this.yaml =
        new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    this.json =
        new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
  }

  /** Loads every path ({@code -} for standard input). */
  public Manifests load(String... paths) {
    return load(Arrays.asList(paths));
  }

  /** Loads every path ({@code -} for standard input). */
  public Manifests load(List<String> paths) {
    Builder b = new Builder();
    for (String path : paths) {
      if (STDIN.equals(path)) {
        try {
          readText(STDIN_NAME, new String(stdin.readAllBytes(), StandardCharsets.UTF_8), b);
        } catch (IOException e) {
          b.error(STDIN_NAME, 0, null, null, "cannot read: " + e.getMessage());
        }
        continue;
      }
      Path p = Path.of(path);
      if (Files.isDirectory(p)) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(p)) {
          files =
              walk.filter(Files::isRegularFile)
                  .filter(ManifestLoader::isYaml)
                  .sorted()
                  .collect(Collectors.toList());
        } catch (IOException | UncheckedIOException e) {
          b.error(path, 0, null, null, "cannot read directory: " + e.getMessage());
          continue;
        }
        if (files.isEmpty()) {
          b.warnings.add(path + ": no *.yaml or *.yml files");
        }
        for (Path f : files) {
          readFile(f, b);
        }
      } else {
        readFile(p, b);
      }
    }
    return b.finish();
  }

  /** Loads YAML text; {@code sourceName} is used in messages. */
  public Manifests loadString(String sourceName, String text) {
    Builder b = new Builder();
    readText(sourceName, text, b);
    return b.finish();
  }

  private static boolean isYaml(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".yaml") || name.endsWith(".yml");
  }

  private void readFile(Path p, Builder b) {
    String source = p.toString();
    try {
      readText(source, Files.readString(p, StandardCharsets.UTF_8), b);
    } catch (NoSuchFileException e) {
      b.error(source, 0, null, null, "no such file or directory");
    } catch (IOException e) {
      b.error(source, 0, null, null, "cannot read: " + e.getMessage());
    }
  }

  private void readText(String source, String text, Builder b) {
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
          b.error(source, index, null, null, yamlError(e));
          break;
        }
        doc = index;
        readDocument(source, index, node, b);
      }
    } catch (IOException e) {
      b.error(source, doc + 1, null, null, yamlError(e));
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

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    String trimmed = s.strip();
    int nl = trimmed.indexOf('\n');
    return nl < 0 ? trimmed : trimmed.substring(0, nl).strip();
  }

  private void readDocument(String source, int doc, JsonNode node, Builder b) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return; // empty document
    }
    if (!node.isObject()) {
      b.error(
          source,
          doc,
          null,
          null,
          "document is not a mapping (found "
              + node.getNodeType().name().toLowerCase(Locale.ROOT)
              + ")");
      return;
    }
    String apiVersion =
        node.path("apiVersion").isTextual() ? node.get("apiVersion").asText() : null;
    String kind = node.path("kind").isTextual() ? node.get("kind").asText() : null;
    JsonNode nameNode = node.path("metadata").path("name");
    String name = nameNode.isTextual() ? nameNode.asText() : null;
    if (kind == null || apiVersion == null) {
      if (apiVersion == null) {
        b.error(source, doc, null, "apiVersion", "required");
      }
      if (kind == null) {
        b.error(source, doc, null, "kind", "required");
      }
      return;
    }
    if (ImageSpec.KIND.equals(kind)) {
      String object = ImageSpec.KIND + (name == null ? "" : " " + qualified(node, name));
      if (!ImageSpec.API_VERSION.equals(apiVersion)) {
        b.error(
            source,
            doc,
            object,
            "apiVersion",
            "unsupported apiVersion '"
                + apiVersion
                + "' for kind ImageSpec (expected "
                + ImageSpec.API_VERSION
                + ")");
        return;
      }
      readImageSpec(source, doc, node, object, b);
    } else if ("Secret".equals(kind) && "v1".equals(apiVersion)) {
      readSecret(
          source, doc, node, "Secret" + (name == null ? "" : " " + qualified(node, name)), b);
    } else {
      b.warnings.add(
          source
              + ": document "
              + doc
              + ": ignored "
              + kind
              + (name == null ? "" : " '" + name + "'")
              + " ("
              + apiVersion
              + "): only ImageSpec ("
              + ImageSpec.API_VERSION
              + ") and Secret (v1) are read");
    }
  }

  private static String qualified(JsonNode node, String name) {
    JsonNode ns = node.path("metadata").path("namespace");
    return (ns.isTextual() && !ns.asText().isEmpty() ? ns.asText() : SpecKey.DEFAULT_NAMESPACE)
        + "/"
        + name;
  }

  private void readImageSpec(String source, int doc, JsonNode node, String object, Builder b) {
    List<Violation> issues = new ArrayList<>();
    ImageSpec spec = convert(node, ImageSpec.class, issues);
    if (spec != null) {
      checkMetadata(spec.getMetadata(), issues);
      if (spec.getSpec() != null && spec.getSpec().getNodeSelector() != null) {
        checkSelector(spec.getSpec().getNodeSelector(), issues);
      }
      if (spec.getMetadata() != null
          && (spec.getMetadata().getNamespace() == null
              || spec.getMetadata().getNamespace().isEmpty())) {
        spec.getMetadata().setNamespace(SpecKey.DEFAULT_NAMESPACE);
      }
      for (Violation v : SpecValidator.validate(spec)) {
        if (issues.stream().noneMatch(i -> covers(i.field(), v.field()))) {
          issues.add(v);
        }
      }
    }
    if (!issues.isEmpty() || spec == null) {
      issues.forEach(v -> b.error(source, doc, object, v.field(), v.message()));
      return;
    }
    SpecKey key = SpecKey.of(spec);
    ManifestSource first = b.specKeys.putIfAbsent(key, new ManifestSource(source, doc));
    if (first != null) {
      b.error(
          source,
          doc,
          object,
          "metadata.name",
          "duplicate ImageSpec " + key + " (also defined in " + first + ")");
      return;
    }
    b.specs.add(spec);
    b.sources.put(spec, new ManifestSource(source, doc));
  }

  private void readSecret(String source, int doc, JsonNode node, String object, Builder b) {
    List<Violation> issues = new ArrayList<>();
    Secret secret = convert(node, Secret.class, issues);
    if (secret != null) {
      unknown("", secret.getAdditionalProperties(), issues);
      checkMetadata(secret.getMetadata(), issues);
      if (secret.getMetadata() == null
          || secret.getMetadata().getName() == null
          || secret.getMetadata().getName().isEmpty()) {
        issues.add(new Violation("metadata.name", "required"));
      }
    }
    if (!issues.isEmpty() || secret == null) {
      issues.forEach(v -> b.error(source, doc, object, v.field(), v.message()));
      return;
    }
    if (secret.getMetadata().getNamespace() == null
        || secret.getMetadata().getNamespace().isEmpty()) {
      secret.getMetadata().setNamespace(SpecKey.DEFAULT_NAMESPACE);
    }
    String key = secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName();
    ManifestSource first = b.secretKeys.putIfAbsent(key, new ManifestSource(source, doc));
    if (first != null) {
      b.error(
          source,
          doc,
          object,
          "metadata.name",
          "duplicate Secret " + key + " (also defined in " + first + ")");
      return;
    }
    b.secrets.add(secret);
    b.sources.put(secret, new ManifestSource(source, doc));
  }

  /** True when a problem reported at {@code reported} already explains one at {@code field}. */
  private static boolean covers(String reported, String field) {
    if (reported == null || field == null) {
      return false;
    }
    return field.equals(reported)
        || field.startsWith(reported + ".")
        || field.startsWith(reported + "[");
  }

  private static void checkMetadata(ObjectMeta meta, List<Violation> issues) {
    if (meta != null) {
      unknown("metadata", meta.getAdditionalProperties(), issues);
    }
  }

  private static void checkSelector(LabelSelector selector, List<Violation> issues) {
    unknown("spec.nodeSelector", selector.getAdditionalProperties(), issues);
    List<LabelSelectorRequirement> exprs = selector.getMatchExpressions();
    if (exprs != null) {
      for (int i = 0; i < exprs.size(); i++) {
        if (exprs.get(i) != null) {
          unknown(
              "spec.nodeSelector.matchExpressions[" + i + "]",
              exprs.get(i).getAdditionalProperties(),
              issues);
        }
      }
    }
  }

  private static void unknown(String base, Map<String, Object> extra, List<Violation> issues) {
    if (extra == null) {
      return;
    }
    for (String name : extra.keySet().stream().sorted().toList()) {
      issues.add(
          new Violation(base.isEmpty() ? name : base + "." + name, "unknown field '" + name + "'"));
    }
  }

  private <T> T convert(JsonNode node, Class<T> type, List<Violation> issues) {
    try {
      // Re-parse from bytes (not a tree parser) so that parsing contexts give exact field paths.
      byte[] bytes = json.writeValueAsBytes(node);
      T value = json.readerFor(type).withHandler(new CollectingHandler(issues)).readValue(bytes);
      return value;
    } catch (JsonMappingException e) {
      issues.add(new Violation(path(e.getPath()), describe(e)));
      return null;
    } catch (IOException e) {
      issues.add(new Violation(null, "cannot read document: " + firstLine(e.getMessage())));
      return null;
    }
  }

  private static String describe(JsonMappingException e) {
    if (e instanceof InvalidFormatException ife) {
      return invalidValue(ife.getTargetType(), String.valueOf(ife.getValue()));
    }
    if (e instanceof MismatchedInputException mie && mie.getTargetType() != null) {
      return "invalid value: expected " + typeName(mie.getTargetType());
    }
    return firstLine(e.getOriginalMessage());
  }

  private static String path(List<JsonMappingException.Reference> refs) {
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

  private static final class Builder {
    final List<ImageSpec> specs = new ArrayList<>();
    final List<Secret> secrets = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();
    final List<ManifestProblem> errors = new ArrayList<>();
    final Map<Object, ManifestSource> sources = new IdentityHashMap<>();
    final Map<SpecKey, ManifestSource> specKeys = new HashMap<>();
    final Map<String, ManifestSource> secretKeys = new HashMap<>();

    void error(String source, int doc, String object, String field, String message) {
      errors.add(new ManifestProblem(source, doc, object, field, message));
    }

    Manifests finish() {
      return new Manifests(specs, secrets, warnings, errors, sources);
    }
  }
}
