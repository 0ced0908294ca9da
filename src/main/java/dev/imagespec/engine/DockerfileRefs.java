package dev.imagespec.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the images a Dockerfile builds from ({@code FROM}, {@code COPY --from}), to know which
 * registries' credentials a build needs. Global {@code ARG}s (before the first {@code FROM}) are
 * substituted, with the build's {@code buildargs} overriding their defaults; stage names and {@code
 * scratch} are left out.
 */
final class DockerfileRefs {
  private static final Pattern VAR =
      Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?}|\\$([A-Za-z_][A-Za-z0-9_]*)");

  private DockerfileRefs() {}

  static List<String> baseImages(String dockerfile, Map<String, String> buildargs) {
    Map<String, String> args = new HashMap<>();
    Set<String> stages = new HashSet<>();
    Set<String> images = new LinkedHashSet<>();
    boolean seenFrom = false;
    for (String line : instructions(dockerfile)) {
      String[] words = line.split("\\s+");
      String keyword = words[0].toUpperCase(Locale.ROOT);
      if (keyword.equals("ARG") && !seenFrom && words.length > 1) {
        for (int i = 1; i < words.length; i++) {
          String w = words[i];
          int eq = w.indexOf('=');
          String name = eq < 0 ? w : w.substring(0, eq);
          String value = eq < 0 ? null : unquote(w.substring(eq + 1));
          if (buildargs.containsKey(name)) {
            value = buildargs.get(name);
          }
          if (value != null) {
            args.put(name, value);
          }
        }
      } else if (keyword.equals("FROM")) {
        seenFrom = true;
        List<String> rest = new ArrayList<>();
        for (int i = 1; i < words.length; i++) {
          if (!words[i].startsWith("--")) {
            rest.add(words[i]);
          }
        }
        if (rest.isEmpty()) {
          continue;
        }
        String image = substitute(rest.get(0), args);
        if (!image.equalsIgnoreCase("scratch")
            && !stages.contains(image.toLowerCase(Locale.ROOT))) {
          images.add(image);
        }
        if (rest.size() >= 3 && rest.get(1).equalsIgnoreCase("AS")) {
          stages.add(rest.get(2).toLowerCase(Locale.ROOT));
        }
      } else if (keyword.equals("COPY") || keyword.equals("ADD")) {
        for (int i = 1; i < words.length && words[i].startsWith("--"); i++) {
          if (words[i].startsWith("--from=")) {
            String from = substitute(words[i].substring("--from=".length()), args);
            if (!from.matches("\\d+") && !stages.contains(from.toLowerCase(Locale.ROOT))) {
              images.add(from);
            }
          }
        }
      }
    }
    return List.copyOf(images);
  }

  /** Instructions, continuation lines joined, comments and blank lines dropped. */
  static List<String> instructions(String dockerfile) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : dockerfile.split("\\r?\\n")) {
      String line = raw.strip();
      if (line.startsWith("#") || (line.isEmpty() && current.length() == 0)) {
        continue;
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      current.append(line);
      String instruction = current.toString().strip();
      if (!instruction.isEmpty()) {
        out.add(instruction);
      }
      current.setLength(0);
    }
    if (current.length() > 0 && !current.toString().isBlank()) {
      out.add(current.toString().strip());
    }
    return out;
  }

  private static String substitute(String word, Map<String, String> args) {
    Matcher m = VAR.matcher(word);
    StringBuilder b = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(3);
      String value = args.get(name);
      if (value == null || value.isEmpty()) {
        value = m.group(2) != null ? m.group(2) : "";
      }
      m.appendReplacement(b, Matcher.quoteReplacement(value));
    }
    m.appendTail(b);
    return unquote(b.toString());
  }

  private static String unquote(String s) {
    if (s.length() >= 2
        && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
      return s.substring(1, s.length() - 1);
    }
    return s;
  }
}
