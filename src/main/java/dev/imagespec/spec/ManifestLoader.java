package dev.imagespec.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;

/**
 * Reads manifests: YAML documents from files, directories (recursively, {@code *.yaml} and {@code
 * *.yml}, in sorted order; kustomizations are not read, see {@link ManifestInputs}) or standard
 * input ({@code -}). Keeps {@code imagespec.dev/v1alpha1/ImageSpec} and {@code v1/Secret}; other
 * kinds are ignored with a warning.
 *
 * <p>Reading is strict: text that is not UTF-8 or not printable, YAML syntax errors, duplicate
 * keys, aliases, unknown fields, wrong types and bad enum values are all errors, and so is input
 * beyond {@link ManifestLimits} (size, line length, nesting); every ImageSpec is then checked by
 * {@link SpecValidator}. Each error names the source, the 1-based document index and the field.
 * Nothing is thrown for bad input.
 *
 * <p>The steps: {@link ManifestInputs} (sources to text), {@link YamlDocuments} (text to
 * documents), {@link ManifestDocuments} (a document by its kind, bound by {@link StrictBinder}),
 * {@link ManifestCollector} (what was read, each object once).
 */
public final class ManifestLoader {
  public static final String STDIN = "-";
  public static final String STDIN_NAME = "<stdin>";

  private final ManifestInputs inputs;
  private final YamlDocuments yaml = new YamlDocuments();
  private final ManifestDocuments documents = new ManifestDocuments();

  public ManifestLoader() {
    this(System.in);
  }

  /** A loader reading {@code -} from {@code stdin}. */
  public ManifestLoader(InputStream stdin) {
    this(stdin, "apply");
  }

  /**
   * A loader reading {@code -} from {@code stdin} for the imagespec {@code command} ({@code apply},
   * {@code plan}), which its hints name (how to render a kustomization for it).
   */
  public ManifestLoader(InputStream stdin, String command) {
    this.inputs = new ManifestInputs(stdin, command);
  }

  /** Loads every path ({@code -} for standard input). */
  public Manifests load(String... paths) {
    return load(Arrays.asList(paths));
  }

  /** Loads every path ({@code -} for standard input). */
  public Manifests load(List<String> paths) {
    ManifestCollector out = new ManifestCollector();
    for (String path : paths) {
      inputs.read(path, out, (source, text) -> readText(source, text, out));
    }
    return out.finish();
  }

  /** Loads YAML text; {@code sourceName} is used in messages. */
  public Manifests loadString(String sourceName, String text) {
    ManifestCollector out = new ManifestCollector();
    readText(sourceName, text, out);
    return out.finish();
  }

  private void readText(String source, String text, ManifestCollector out) {
    String bad = ManifestLimits.checkText(text);
    if (bad != null) {
      out.error(source, 0, null, null, bad);
      return;
    }
    yaml.read(source, text, out, (at, node) -> readDocument(at, node, out));
  }

  private void readDocument(ManifestSource at, JsonNode node, ManifestCollector out) {
    try {
      documents.read(at, node, out);
    } catch (RuntimeException | StackOverflowError e) {
      // a bug of ours, met on odd input: the input is still refused, naming where
      out.error(
          at.source(),
          at.document(),
          null,
          null,
          "internal error while checking this document ("
              + e.getClass().getSimpleName()
              + "): please report it with the document");
    }
  }
}
