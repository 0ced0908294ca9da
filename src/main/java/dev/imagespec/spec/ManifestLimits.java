package dev.imagespec.spec;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * The bounds of a manifest, so that hostile input is refused quickly with a message instead of
 * exhausting time, memory or stack: the size of a source and of its lines, the characters it may
 * hold (printable text, no bidirectional overrides), nesting depth. {@link ManifestInputs}, {@link
 * YamlDocuments} and the loader apply them before and while parsing; messages show values through
 * {@link #shown}.
 */
final class ManifestLimits {
  /**
   * Bytes per source. A Kubernetes object is at most about 1.5 MiB; several documents fit. At most
   * SnakeYAML's own limit of 3 Mi code points per document, so that this limit speaks first.
   */
  static final int MAX_SOURCE_BYTES = 3 * 1024 * 1024;

  /**
   * Characters per line. SnakeYAML's reader copies its window for every 1 KiB of one token, so a
   * token's cost grows with the square of its length: a line of megabytes takes seconds.
   */
  static final int MAX_LINE_CHARS = 256 * 1024;

  /** Levels of nested mappings and lists; an ImageSpec needs fewer than ten. */
  static final int MAX_DEPTH = 100;

  /** Characters of a run of text without spaces shown in a message. */
  static final int MAX_SHOWN_CHARS = 200;

  /** Characters of a message (or of its field path) shown. */
  static final int MAX_MESSAGE_CHARS = 1000;

  private ManifestLimits() {}

  /** Jackson's limits for the YAML parser. */
  static StreamReadConstraints readConstraints() {
    return StreamReadConstraints.builder()
        .maxNestingDepth(MAX_DEPTH)
        .maxDocumentLength(MAX_SOURCE_BYTES)
        .maxStringLength(MAX_SOURCE_BYTES)
        .maxNameLength(MAX_LINE_CHARS)
        .maxNumberLength(1000)
        .build();
  }

  /** Why a source of {@code bytes} bytes is refused. */
  static String tooLarge(long bytes) {
    return (bytes > MAX_SOURCE_BYTES
            ? "is " + String.format(Locale.ROOT, "%.1f", bytes / 1048576.0) + " MiB"
            : "is too large")
        + ", more than a manifest source may be ("
        + (MAX_SOURCE_BYTES / 1048576)
        + " MiB): split it into several files, or check that it is a manifest";
  }

  /**
   * The first problem of a source's text before YAML parsing, or null: a character that is not
   * printable text (control characters other than tab and line breaks, unpaired surrogates,
   * U+FFFE/U+FFFF), a bidirectional override or isolate (text that displays in another order than
   * it is read: "Trojan Source"), or a line longer than {@link #MAX_LINE_CHARS}.
   */
  static String checkText(String text) {
    int line = 1;
    int column = 1;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      String bad = badCharacter(cp);
      if (bad != null) {
        return bad + " at line " + line + ", column " + column + ": " + remedy(cp);
      }
      if (cp == '\n') {
        line++;
        column = 1;
      } else if (++column > MAX_LINE_CHARS + 1) {
        return "line "
            + line
            + " is longer than "
            + MAX_LINE_CHARS
            + " characters: manifests have no such lines; split the value, or check that this"
            + " is a manifest";
      }
      i += Character.charCount(cp);
    }
    return null;
  }

  /**
   * The first key or string value of a parsed document that holds a character {@link #checkText}
   * refuses (from an escape such as {@code "\0"} or {@code "\ud800"}), or null.
   */
  static Violation checkValues(JsonNode document) {
    Deque<Map.Entry<String, JsonNode>> todo = new ArrayDeque<>();
    todo.push(Map.entry("", document));
    while (!todo.isEmpty()) {
      Map.Entry<String, JsonNode> e = todo.pop();
      String path = e.getKey();
      JsonNode node = e.getValue();
      if (node.isTextual()) {
        String problem = checkString(node.textValue());
        if (problem != null) {
          return new Violation(path, problem);
        }
      } else if (node.isArray()) {
        for (int i = node.size() - 1; i >= 0; i--) {
          todo.push(Map.entry(path + "[" + i + "]", node.get(i)));
        }
      } else if (node.isObject()) {
        Deque<Map.Entry<String, JsonNode>> fields = new ArrayDeque<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          String name = f.getKey();
          String child = path.isEmpty() ? name : path + "." + name;
          String problem = checkString(name);
          if (problem != null) {
            return new Violation(path.isEmpty() ? shown(name) : path, "key " + problem);
          }
          fields.push(Map.entry(child, f.getValue()));
        }
        fields.forEach(todo::push);
      }
    }
    return null;
  }

  private static String checkString(String s) {
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      String bad = badCharacter(cp);
      if (bad != null) {
        return "contains " + bad + ": " + remedy(cp);
      }
      i += Character.charCount(cp);
    }
    return null;
  }

  /** What is wrong with {@code cp}, or null when a manifest may hold it. */
  private static String badCharacter(int cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x85) {
      return null;
    }
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
      return "control character " + codePoint(cp);
    }
    if (cp <= 0xffff && Character.isSurrogate((char) cp)) {
      return "unpaired surrogate " + codePoint(cp);
    }
    if (cp == 0xfffe || cp == 0xffff) {
      return "non-character " + codePoint(cp);
    }
    if (isBidiControl(cp)) {
      return "bidirectional control character "
          + codePoint(cp)
          + " ("
          + Character.getName(cp)
          + ")";
    }
    return null;
  }

  private static String remedy(int cp) {
    if (isBidiControl(cp)) {
      return "it makes text display in another order than it is read; remove it";
    }
    return "manifests must be printable text; remove it";
  }

  /** The explicit embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069). */
  private static boolean isBidiControl(int cp) {
    return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
  }

  private static String codePoint(int cp) {
    return String.format(Locale.ROOT, "U+%04X", cp);
  }

  /**
   * {@code s} as a message shows it, on one line: line breaks as {@code \n} and {@code \r},
   * characters {@link #checkText} refuses as {@code \}{@code uXXXX} escapes (a message never
   * carries terminal escapes or bidi overrides), at most {@link #MAX_SHOWN_CHARS} characters of a
   * run of text without spaces and at most about {@link #MAX_MESSAGE_CHARS} in all.
   */
  static String shown(String s) {
    if (s == null) {
      return null;
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), 4 * MAX_SHOWN_CHARS));
    int run = 0;
    for (int i = 0; i < s.length(); ) {
      if (b.length() >= MAX_MESSAGE_CHARS) {
        b.append("...(").append(s.length() - i).append(" more characters)");
        break;
      }
      int cp = s.codePointAt(i);
      int n = Character.charCount(cp);
      if (cp == ' ' || cp == '\'') {
        run = 0;
      } else if (++run > MAX_SHOWN_CHARS) {
        int end = i;
        while (end < s.length() && " '".indexOf(s.charAt(end)) < 0) {
          end++;
        }
        b.append("...(").append(end - i).append(" more characters)");
        i = end;
        run = 0;
        continue;
      }
      if (cp == '\n') {
        b.append("\\n");
      } else if (cp == '\r') {
        b.append("\\r");
      } else if (badCharacter(cp) != null) {
        b.append(String.format(Locale.ROOT, "\\u%04X", cp));
      } else {
        b.appendCodePoint(cp);
      }
      i += n;
    }
    return b.toString();
  }
}
