package dev.imagespec.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Keeps a build's log lines (stream text split at newlines) and finds the image ID. */
final class BuildLog implements Consumer<ProgressEvent> {
  private static final java.util.regex.Pattern FULL_ID =
      java.util.regex.Pattern.compile("(sha256:)?[0-9a-f]{64}");
  private static final java.util.regex.Pattern BUILT =
      java.util.regex.Pattern.compile("Successfully built ([0-9a-f]{12,64})\\s*");
  private final List<String> lines = new ArrayList<>();
  private final StringBuilder partial = new StringBuilder();

  @Override
  public synchronized void accept(ProgressEvent e) {
    if (e.stream() != null) {
      partial.append(e.stream());
      int nl;
      while ((nl = partial.indexOf("\n")) >= 0) {
        lines.add(partial.substring(0, nl).stripTrailing());
        partial.delete(0, nl + 1);
      }
    } else if (e.isError()) {
      flush();
      lines.add("ERROR: " + e.error().strip());
    } else if (e.status() != null) {
      flush();
      lines.add(e.describe());
    }
  }

  private void flush() {
    if (partial.length() > 0) {
      lines.add(partial.toString().stripTrailing());
      partial.setLength(0);
    }
  }

  synchronized List<String> lines() {
    List<String> out = new ArrayList<>(lines);
    if (partial.length() > 0) {
      out.add(partial.toString().stripTrailing());
    }
    return out;
  }

  /** The image ID an item reports, else {@code current}: a full ID beats a short one. */
  static String imageId(ProgressEvent e, String current) {
    String aux = e.aux().path("ID").asText(null);
    if (aux != null && FULL_ID.matcher(aux).matches()) {
      return aux;
    }
    if (e.stream() != null) {
      String line = e.stream().strip();
      if (FULL_ID.matcher(line).matches()) {
        return line;
      }
      java.util.regex.Matcher m = BUILT.matcher(line);
      if (m.matches() && (current == null || !FULL_ID.matcher(current).matches())) {
        return m.group(1);
      }
    }
    return current;
  }
}
