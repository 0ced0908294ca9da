package dev.imagespec.spec;

/**
 * One validation problem: the field path (Kubernetes style, 0-based indexes, e.g. {@code
 * spec.images[2].image}) and a message naming the offending value.
 */
public record Violation(String field, String message) {
  @Override
  public String toString() {
    return field == null || field.isEmpty() ? message : field + ": " + message;
  }
}
