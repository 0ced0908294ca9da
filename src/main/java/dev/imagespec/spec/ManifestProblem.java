package dev.imagespec.spec;

/**
 * An error (or, when returned as a warning, a note) about one manifest document.
 *
 * @param source file path, or {@code <stdin>}
 * @param document 1-based index of the YAML document in the source; 0 when the problem concerns the
 *     whole source (e.g. it cannot be read)
 * @param object {@code Kind namespace/name} when known, else null
 * @param field field path (0-based list indexes, e.g. {@code spec.images[2].image}), or null
 * @param message what is wrong, naming the offending value
 */
public record ManifestProblem(
    String source, int document, String object, String field, String message) {

  /** The problem without its location, as {@code field: message}. */
  public Violation violation() {
    return new Violation(field, message);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(source);
    if (document > 0) {
      b.append(": document ").append(document);
    }
    if (object != null) {
      b.append(" (").append(object).append(')');
    }
    b.append(": ");
    if (field != null && !field.isEmpty()) {
      b.append(field).append(": ");
    }
    return b.append(message).toString();
  }
}
