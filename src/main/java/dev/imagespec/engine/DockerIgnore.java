package dev.imagespec.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The patterns of a {@code .dockerignore} file, matched as Docker's build context does (moby's
 * {@code patternmatcher}):
 *
 * <ul>
 *   <li>one pattern a line; blank lines and lines starting with {@code #} are skipped; surrounding
 *       white space is trimmed; a pattern is cleaned like a path ({@code a//b/./c/} is {@code
 *       a/b/c}) and a leading {@code /} is dropped;
 *   <li>{@code *} matches any run of characters but {@code /}, {@code ?} one character but {@code
 *       /}, {@code [a-z]} a class, {@code \} escapes the next character, and {@code **} any number
 *       of directories, none included ({@code **}{@code /x} matches {@code x} and {@code a/b/x});
 *   <li>a pattern that matches a directory matches everything below it;
 *   <li>{@code !pattern} re-includes what earlier patterns excluded; the last matching pattern
 *       decides.
 * </ul>
 *
 * Instances are immutable.
 */
public final class DockerIgnore {
  private final List<Rule> rules;

  private DockerIgnore(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** No patterns: nothing is excluded. */
  public static DockerIgnore none() {
    return new DockerIgnore(List.of());
  }

  /** Patterns as the lines of a {@code .dockerignore} file. */
  public static DockerIgnore parse(String text) {
    List<String> lines = new ArrayList<>();
    for (String line : text.split("\\r?\\n", -1)) {
      lines.add(line);
    }
    return of(lines);
  }

  /** One pattern per element, as lines of a {@code .dockerignore} file. */
  public static DockerIgnore of(List<String> lines) {
    List<Rule> rules = new ArrayList<>();
    for (String raw : lines) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      boolean exclusion = false;
      if (line.startsWith("!")) {
        exclusion = true;
        line = line.substring(1).strip();
        if (line.isEmpty()) {
          throw new InvalidArgumentException(".dockerignore: illegal exclusion pattern: \"!\"");
        }
      }
      String pattern = clean(line);
      if (pattern.length() > 1 && pattern.startsWith("/")) {
        pattern = pattern.substring(1);
      }
      rules.add(new Rule(pattern, exclusion, compile(pattern)));
    }
    return new DockerIgnore(rules);
  }

  /** The {@code .dockerignore} of a context directory, or {@link #none()} when there is none. */
  public static DockerIgnore load(Path contextDirectory) {
    Path file = contextDirectory.resolve(".dockerignore");
    if (!Files.isRegularFile(file)) {
      return none();
    }
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new InvalidArgumentException("cannot read " + file + ": " + e.getMessage());
    }
  }

  /** This set with one more pattern at the end (so it takes precedence). */
  DockerIgnore with(String line) {
    List<String> lines = new ArrayList<>();
    for (Rule r : rules) {
      lines.add((r.exclusion ? "!" : "") + r.pattern);
    }
    lines.add(line);
    return of(lines);
  }

  /** True when there is no pattern. */
  public boolean isEmpty() {
    return rules.isEmpty();
  }

  /** True when some pattern starts with {@code !}. */
  public boolean hasExclusions() {
    return rules.stream().anyMatch(r -> r.exclusion);
  }

  /**
   * Whether {@code path} (relative to the context, {@code /}-separated) is left out of the context:
   * the last pattern matching it or one of its parent directories decides.
   */
  public boolean excludes(String path) {
    String file = clean(path);
    String[] parents = file.split("/");
    boolean matched = false;
    for (Rule rule : rules) {
      if (rule.exclusion != matched) {
        // An exclusion can only flip a match, and an inclusion a non-match.
        continue;
      }
      boolean match = rule.regex.matcher(file).matches();
      if (!match && parents.length > 1) {
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < parents.length - 1 && !match; i++) {
          if (i > 0) {
            prefix.append('/');
          }
          prefix.append(parents[i]);
          match = rule.regex.matcher(prefix).matches();
        }
      }
      if (match) {
        matched = !rule.exclusion;
      }
    }
    return matched;
  }

  /**
   * Whether the walk must go into an excluded directory because some {@code !} pattern may
   * re-include something below it. As Docker, this compares the pattern's text: {@code !dir/keep}
   * does, {@code !**}{@code /keep} does not.
   */
  boolean mayReinclude(String directory) {
    String dirSlash = clean(directory) + "/";
    for (Rule r : rules) {
      if (r.exclusion && (r.pattern + "/").startsWith(dirSlash)) {
        return true;
      }
    }
    return false;
  }

  /** Go's {@code filepath.Clean} on a {@code /}-separated path. */
  static String clean(String path) {
    if (path.isEmpty()) {
      return ".";
    }
    boolean rooted = path.startsWith("/");
    List<String> out = new ArrayList<>();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
          out.remove(out.size() - 1);
        } else if (!rooted) {
          out.add("..");
        }
        continue;
      }
      out.add(part);
    }
    String joined = String.join("/", out);
    if (rooted) {
      return "/" + joined;
    }
    return joined.isEmpty() ? "." : joined;
  }

  /** The pattern as a regular expression, as moby's {@code patternmatcher.compile}. */
  static Pattern compile(String pattern) {
    StringBuilder re = new StringBuilder("^");
    char[] p = pattern.toCharArray();
    for (int i = 0; i < p.length; i++) {
      char c = p[i];
      if (c == '*') {
        if (i + 1 < p.length && p[i + 1] == '*') {
          i++; // the second '*'
          if (i + 1 < p.length && p[i + 1] == '/') {
            i++; // "**/" is "**"
          }
          // at the end anything; else any number of directories, none included
          re.append(i + 1 == p.length ? ".*" : "(.*/)?");
        } else {
          re.append("[^/]*");
        }
      } else if (c == '?') {
        re.append("[^/]");
      } else if (c == '\\') {
        if (i + 1 < p.length) {
          i++;
          re.append(Pattern.quote(String.valueOf(p[i])));
        } else {
          re.append("\\\\");
        }
      } else if (c == '[') {
        int end = pattern.indexOf(']', i + 1);
        if (end < 0) {
          throw new InvalidArgumentException(
              ".dockerignore: syntax error in pattern '" + pattern + "': unclosed '['");
        }
        String body = pattern.substring(i + 1, end);
        if (body.startsWith("!")) {
          body = "^" + body.substring(1); // as Go's filepath.Match
        }
        re.append('[').append(body.replace("[", "\\[")).append(']');
        i = end;
      } else if (".$^+(){}|/".indexOf(c) >= 0) {
        re.append(c == '/' ? "/" : "\\" + c);
      } else {
        re.append(c);
      }
    }
    re.append('$');
    return Pattern.compile(re.toString());
  }

  @Override
  public String toString() {
    List<String> lines = new ArrayList<>();
    for (Rule r : rules) {
      lines.add((r.exclusion ? "!" : "") + r.pattern);
    }
    return "DockerIgnore" + lines;
  }

  private record Rule(String pattern, boolean exclusion, Pattern regex) {}
}
