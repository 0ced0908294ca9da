package dev.imagespec.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * Hostile manifests for fuzzing the manifest loader: random mutations of valid manifests (the files
 * in {@code examples/}) aimed at its steps — sources and encoding, YAML, kinds and binding,
 * validation. Each mutation either makes its input invalid by construction, or is {@link
 * Input#blind blind} (it may leave the input valid, and the caller checks). Deterministic for a
 * seed.
 */
public final class HostileManifests {
  /**
   * One generated input.
   *
   * @param mutation the mutation's category
   * @param description what was done, for a failure message
   * @param blind true when the mutation may have left the input valid
   */
  public record Input(String mutation, String description, byte[] bytes, boolean blind) {}

  private static final Pattern KEY_LINE =
      Pattern.compile("^( *)(- +)?([A-Za-z.][A-Za-z0-9._/-]*):(?: +(.*))?$");
  private static final Pattern ITEM_LINE = Pattern.compile("^( *)- +([^#\\s].*)$");

  /** Values that are wrong where any scalar of the examples stands. */
  private static final String[] WRONG_TYPES = {
    "{a: 1}", "[1, 2]", "[]", "{}", "12", "-3.5", "true", "false", "0x1F", "[{image: [x]}]"
  };

  /** Characters a manifest must not hold, raw. */
  private static final int[] RAW_HOSTILE = {
    0x00, 0x01, 0x07, 0x08, 0x0b, 0x0c, 0x1b, 0x7f, 0x80, 0x9b, 0x202a, 0x202b, 0x202c, 0x202d,
    0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0xfffe, 0xffff
  };

  /** Escapes (in double quotes) that decode to characters a manifest must not hold. */
  private static final String[] ESCAPED_HOSTILE = {
    "\\0",
    "\\a",
    "\\e[2J",
    "\\x1b]0;pwned\\x07",
    "\\ud800",
    "\\udfff",
    "\\u202e",
    "\\u2066",
    "\\x7f",
    "\\u009b",
    "\\uFFFE",
    "\\b"
  };

  /** Look-alikes and invisible characters inside a validated value. */
  private static final String[] LOOKALIKES = {
    "\u200b", "\u200d", "\u00a0", "\u0430", "\u0435", "\u2024", "\uff0f", "\u0131", "\u3000"
  };

  /** Values a validator should refuse in most places (blind: some are valid somewhere). */
  private static final String[] NASTY_VALUES = {
    "''",
    "' '",
    "UPPER/Case:1",
    "a b",
    "-1h",
    "0s",
    "1y",
    "* * * * * *",
    "61 3 * * *",
    "linux",
    "a@sha256:zz",
    "../../etc/passwd",
    "x".repeat(300),
    "default/x",
    "'Present '",
    "always",
    "0",
    "1e3",
    "'null'",
    "~",
    "a:b:c",
    ":",
    "-",
    "@",
    "127.0.0.1:99999/x:1",
    "a/b/c/d:e@f"
  };

  private final Random rng;
  private final List<String> bases;
  private final List<Function<String, Input>> mutations =
      List.of(
          this::wrongType,
          this::unicode,
          this::hugeScalar,
          this::deepNesting,
          this::aliases,
          this::duplicateKeys,
          this::binary,
          this::truncation,
          this::multiDocument,
          this::validatorValues);

  /** Mutations of {@code bases} (valid manifests, as text), drawn from {@code seed}. */
  public HostileManifests(long seed, List<String> bases) {
    this.rng = new Random(seed);
    this.bases = List.copyOf(bases);
  }

  /** The next input: a random mutation of a random base. */
  public Input next() {
    String base = bases.get(rng.nextInt(bases.size()));
    return mutations.get(rng.nextInt(mutations.size())).apply(base);
  }

  // ------------------------------------------------------------------------------ mutations

  private Input wrongType(String base) {
    Slot key = pick(keys(base));
    String wrong =
        switch (key.kind()) {
          case LIST -> pick(new String[] {"12", "true", "text", "{a: b}", "'x'", "{}"});
          case MAPPING -> pick(new String[] {"12", "true", "text", "[a]", "'x'", "[]"});
          case BLOCK_SCALAR -> pick(new String[] {"12", "true", "[a]", "{a: b}", "[]"});
          case SCALAR ->
              key.value().equals("true") || key.value().equals("false")
                  ? pick(new String[] {"{a: 1}", "[1, 2]", "12", "-3.5", "'yes'", "0x1F", "[]"})
                  : pick(WRONG_TYPES);
        };
    return input(
        "wrong-type",
        key.name() + ": " + wrong,
        utf8(replace(base, key.valueStart(), key.end(), " " + wrong)),
        false);
  }

  private Input unicode(String base) {
    switch (rng.nextInt(4)) {
      case 0 -> {
        int cp = RAW_HOSTILE[rng.nextInt(RAW_HOSTILE.length)];
        int at = rng.nextInt(base.length() + 1);
        return input(
            "unicode",
            String.format("raw U+%04X at offset %d", cp, at),
            utf8(base.substring(0, at) + new String(Character.toChars(cp)) + base.substring(at)),
            false);
      }
      case 1 -> {
        // an unpaired surrogate as UTF-8 would encode it (CESU-8): not UTF-8
        int at = rng.nextInt(base.length() + 1);
        byte[] before = utf8(base.substring(0, at));
        byte[] after = utf8(base.substring(at));
        return input(
            "unicode",
            "encoded surrogate U+D800 at offset " + at,
            concat(before, new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, after),
            false);
      }
      case 2 -> {
        Slot s = pick(scalars(base));
        String escape = pick(ESCAPED_HOSTILE);
        String quoted = "\"" + unquote(s.value()).replace("\\", "\\\\").replace("\"", "\\\"");
        int cut = rng.nextInt(quoted.length() - 1) + 1;
        String value = quoted.substring(0, cut) + escape + quoted.substring(cut) + "\"";
        return input(
            "unicode",
            s.name() + ": escape " + escape,
            utf8(replace(base, s.valueStart(), s.end(), value)),
            false);
      }
      default -> {
        Slot s = pick(scalars(base));
        String v = s.value();
        String odd = pick(LOOKALIKES);
        int at = rng.nextInt(v.length() + 1);
        if (rng.nextBoolean()) {
          int i = v.indexOf('a') >= 0 ? v.indexOf('a') : v.indexOf('e');
          if (i >= 0) {
            v = v.substring(0, i) + (v.charAt(i) == 'a' ? "\u0430" : "\u0435") + v.substring(i + 1);
            return input(
                "unicode",
                s.name() + ": Cyrillic look-alike",
                utf8(replace(base, s.valueStart(), s.end(), v)),
                false);
          }
        }
        v = unquote(v);
        at = Math.min(at, v.length());
        return input(
            "unicode",
            s.name() + String.format(": U+%04X inside", (int) odd.charAt(0)),
            utf8(
                replace(
                    base,
                    s.valueStart(),
                    s.end(),
                    "\"" + v.substring(0, at) + odd + v.substring(at) + "\"")),
            false);
      }
    }
  }

  private Input hugeScalar(String base) {
    Slot s = pick(scalars(base));
    // 1 to 6 MB, log-uniform
    int size = (int) Math.round(Math.exp(Math.log(1_000_000) + rng.nextDouble() * Math.log(6)));
    String value;
    String form;
    switch (rng.nextInt(6)) {
      case 0 -> {
        form = "plain";
        value = "a".repeat(size);
      }
      case 1 -> {
        form = "double-quoted";
        value = "\"" + "b".repeat(size) + "\"";
      }
      case 2 -> {
        form = "number";
        value = "9".repeat(size);
      }
      case 3 -> {
        form = "single-quoted words";
        value = "'" + "word ".repeat(size / 5) + "'";
      }
      case 4 -> {
        form = "block scalar";
        String indent = " ".repeat(s.indent() + 2);
        value = "|\n" + (indent + "c".repeat(78) + "\n").repeat(size / (80 + indent.length()));
      }
      default -> {
        form = "folded scalar";
        String indent = " ".repeat(s.indent() + 2);
        value = ">-\n" + (indent + "dd ".repeat(26) + "\n").repeat(size / (80 + indent.length()));
      }
    }
    return input(
        "huge-scalar",
        s.name() + ": " + form + " of " + value.length() + " characters",
        utf8(replace(base, s.valueStart(), s.end(), value)),
        false);
  }

  private Input deepNesting(String base) {
    Slot s = pick(scalars(base));
    int depth = 150 + rng.nextInt(9_851);
    String value;
    String form;
    switch (rng.nextInt(5)) {
      case 0 -> {
        form = "flow lists";
        value = "[".repeat(depth) + "]".repeat(depth);
      }
      case 1 -> {
        form = "flow mappings";
        value = "{a: ".repeat(depth) + "x" + "}".repeat(depth);
      }
      case 2 -> {
        form = "mixed flow";
        value = "[{a: ".repeat(depth / 2) + "x" + "}]".repeat(depth / 2);
      }
      case 3 -> {
        form = "compact block lists";
        value = "\n" + " ".repeat(s.indent() + 2) + "- ".repeat(depth) + "x";
      }
      default -> {
        depth = Math.min(depth, 1_400);
        form = "block mappings";
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= depth; i++) {
          b.append('\n').append(" ".repeat(s.indent() + 2 * i)).append("k:");
        }
        value = b.append(" x").toString();
      }
    }
    return input(
        "deep-nesting",
        s.name() + ": " + depth + " levels of " + form,
        utf8(replace(base, s.valueStart(), s.end(), value)),
        false);
  }

  private Input aliases(String base) {
    List<Slot> scalars = scalars(base);
    switch (rng.nextInt(6)) {
      case 0 -> {
        int levels = 9 + rng.nextInt(4);
        StringBuilder lol =
            new StringBuilder("lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i < levels; i++) {
          lol.append("lol").append(i).append(": &l").append(i).append(" [");
          for (int k = 0; k < 9; k++) {
            lol.append(k == 0 ? "" : ", ").append("*l").append(i - 1);
          }
          lol.append("]\n");
        }
        return input(
            "aliases",
            "billion laughs, " + levels + " levels, at the top",
            utf8(lol + base),
            false);
      }
      case 1 -> {
        if (scalars.size() >= 2) {
          int a = rng.nextInt(scalars.size() - 1);
          Slot first = scalars.get(a);
          Slot second = scalars.get(a + 1 + rng.nextInt(scalars.size() - a - 1));
          String text = replace(base, second.valueStart(), second.end(), "*ref");
          text =
              text.substring(0, first.valueStart()) + "&ref " + text.substring(first.valueStart());
          return input(
              "aliases",
              first.name() + " anchored, " + second.name() + " an alias",
              utf8(text),
              false);
        }
        return aliases(base);
      }
      case 2 -> {
        Slot s = pick(scalars);
        return input(
            "aliases",
            s.name() + ": undefined alias",
            utf8(replace(base, s.valueStart(), s.end(), "*nowhere")),
            false);
      }
      case 3 -> {
        Slot s = pick(scalars);
        return input(
            "aliases",
            s.name() + ": recursive alias",
            utf8(replace(base, s.valueStart(), s.end(), "&r [a, *r]")),
            false);
      }
      case 4 -> {
        Slot k = pick(keys(base));
        return input(
            "aliases",
            "merge key beside " + k.name(),
            utf8(besides(base, k, "base: &m {x: 1}", "<<: *m")),
            false);
      }
      default -> {
        Slot k = pick(keys(base));
        return input(
            "aliases",
            "alias as a key beside " + k.name(),
            utf8(besides(base, k, "key: &k " + k.name(), "*k : 1")),
            false);
      }
    }
  }

  /** {@code lines} added to the mapping that holds key {@code k}, at its indentation. */
  private static String besides(String base, Slot k, String... lines) {
    StringBuilder add = new StringBuilder();
    for (String l : lines) {
      add.append(" ".repeat(k.indent())).append(l).append('\n');
    }
    int at = k.lineStart();
    if (k.listItem()) {
      // after the item's first line: before it, the lines would not belong to the item
      at = base.indexOf('\n', k.lineStart());
      at = at < 0 ? base.length() : at + 1;
    }
    return base.substring(0, at) + add + base.substring(at);
  }

  private Input duplicateKeys(String base) {
    Slot k = pick(keys(base));
    String pad = " ".repeat(k.indent());
    String key = k.name();
    String copy =
        switch (rng.nextInt(3)) {
          case 0 -> key;
          case 1 -> "\"" + key + "\"";
          default -> "'" + key + "'";
        };
    String value = k.block() ? "" : " " + k.value();
    if (k.listItem()) {
      // a second key of the list item's mapping, after its first line
      int next = base.indexOf('\n', k.lineStart());
      next = next < 0 ? base.length() : next + 1;
      String text =
          base.substring(0, next)
              + pad
              + copy
              + ":"
              + (k.block() ? " x" : value)
              + "\n"
              + base.substring(next);
      return input("duplicate-keys", key + " twice in a list item", utf8(text), false);
    }
    String text =
        base.substring(0, k.lineStart())
            + pad
            + copy
            + ":"
            + value
            + "\n"
            + base.substring(k.lineStart());
    return input("duplicate-keys", key + " twice (as " + copy + ")", utf8(text), false);
  }

  private Input binary(String base) {
    byte[] bytes = utf8(base);
    switch (rng.nextInt(6)) {
      case 0 -> {
        byte[] junk = randomBytes(1 + rng.nextInt(64));
        int at = rng.nextInt(bytes.length + 1);
        return input(
            "binary",
            junk.length + " random bytes at offset " + at,
            concat(slice(bytes, 0, at), junk, slice(bytes, at, bytes.length)),
            true);
      }
      case 1 -> {
        byte[] copy = bytes.clone();
        int n = 1 + rng.nextInt(16);
        for (int i = 0; i < n; i++) {
          copy[rng.nextInt(copy.length)] = (byte) rng.nextInt(256);
        }
        return input("binary", n + " bytes overwritten", copy, true);
      }
      case 2 -> {
        return input("binary", "random bytes only", randomBytes(1 + rng.nextInt(100_000)), true);
      }
      case 3 -> {
        return input("binary", "gzip-compressed", gzip(bytes), true);
      }
      case 4 -> {
        return input(
            "binary",
            "UTF-16LE with BOM",
            concat(new byte[] {(byte) 0xff, (byte) 0xfe}, base.getBytes(StandardCharsets.UTF_16LE)),
            false);
      }
      default -> {
        return input("binary", "UTF-16BE", base.getBytes(StandardCharsets.UTF_16BE), false);
      }
    }
  }

  private Input truncation(String base) {
    byte[] bytes = utf8(base);
    int at = rng.nextInt(bytes.length);
    return input(
        "truncation", "cut at byte " + at + " of " + bytes.length, slice(bytes, 0, at), true);
  }

  private Input multiDocument(String base) {
    String[] hostile = {
      "just a string\n",
      "- a\n- b\n",
      "42\n",
      "apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\nmetadata: {name: nospec}\n",
      "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\n",
      "kind: ImageSpec\n",
      "apiVersion: imagespec.dev/v1alpha1\n",
      "apiVersion: imagespec.dev/v1alpha2\nkind: ImageSpec\nmetadata: {name: x}\nspec: {}\n",
      "%YAML 9.9\n---\na: b\n",
      "a: b\n... trailing garbage\n",
      "!!binary aGVsbG8=\n",
      "? complex\n: key\n[1]: 2\n",
      base, // the same objects twice: duplicates
    };
    List<String> parts = new ArrayList<>();
    int n = 1 + rng.nextInt(4);
    for (int i = 0; i < n; i++) {
      parts.add(bases.get(rng.nextInt(bases.size())));
    }
    String bad = pick(hostile);
    if (bad.equals(base)) {
      parts.add(base);
    }
    parts.add(rng.nextInt(parts.size() + 1), bad);
    String[] separators = {"---\n", "--- # next\n", "...\n---\n", "\n---\n"};
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < parts.size(); i++) {
      if (i > 0) {
        b.append(pick(separators));
      }
      String p = parts.get(i);
      b.append(p.endsWith("\n") ? p : p + "\n");
    }
    return input(
        "multi-document",
        parts.size() + " documents with " + firstLine(bad),
        utf8(b.toString()),
        false);
  }

  private Input validatorValues(String base) {
    if (rng.nextInt(3) == 0) {
      Slot k = pick(keys(base));
      String line =
          pick(new String[] {"colour", "Name", "imagePullPolicy", "spec", "x"})
              + ": "
              + pick(new String[] {"blue", "1", "[a]", "{b: c}"});
      return input(
          "validators", "extra key beside " + k.name(), utf8(besides(base, k, line)), true);
    }
    Slot s = pick(scalars(base));
    String v = pick(NASTY_VALUES);
    return input(
        "validators",
        s.name() + ": " + firstLine(v),
        utf8(replace(base, s.valueStart(), s.end(), v)),
        true);
  }

  // ---------------------------------------------------------------------------------- slots

  /**
   * A key or a scalar of the base text. {@code valueStart}-{@code end}: the value (for a block key,
   * from after the colon to the end of its block); {@code indent}: the key's column.
   */
  private record Slot(
      String name,
      int lineStart,
      int valueStart,
      int end,
      int indent,
      Kind kind,
      boolean listItem,
      String value) {
    boolean block() {
      return kind != Kind.SCALAR;
    }
  }

  /** What a key's value is. */
  private enum Kind {
    SCALAR,
    LIST,
    MAPPING,
    BLOCK_SCALAR
  }

  private static List<Slot> keys(String text) {
    return slots(text, true);
  }

  private static List<Slot> scalars(String text) {
    return slots(text, false);
  }

  private static List<Slot> slots(String text, boolean keys) {
    List<Slot> out = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    int[] starts = new int[lines.length + 1];
    for (int i = 0, off = 0; i < lines.length; i++) {
      starts[i] = off;
      off += lines[i].length() + 1;
    }
    starts[lines.length] = text.length();
    int blockScalarIndent = -1;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int indent = line.length() - line.stripLeading().length();
      if (blockScalarIndent >= 0) {
        if (line.isBlank() || indent > blockScalarIndent) {
          continue;
        }
        blockScalarIndent = -1;
      }
      if (line.isBlank() || line.stripLeading().startsWith("#") || line.startsWith("---")) {
        continue;
      }
      Matcher m = KEY_LINE.matcher(line);
      if (m.matches()) {
        boolean item = m.group(2) != null;
        int keyIndent = item ? m.end(2) : indent;
        String value = m.group(4) == null ? "" : m.group(4);
        boolean blockScalar = value.startsWith("|") || value.startsWith(">");
        boolean block = value.isEmpty() || blockScalar;
        int valueStart = starts[i] + m.end(3) + 1;
        int end = starts[i] + line.length();
        if (block) {
          int j = i + 1;
          while (j < lines.length
              && (lines[j].isBlank()
                  || lines[j].stripLeading().startsWith("#")
                  || lead(lines[j]) > keyIndent
                  || (lead(lines[j]) == keyIndent && lines[j].stripLeading().startsWith("- ")))) {
            j++;
          }
          while (j > i + 1 && (lines[j - 1].isBlank() || lines[j - 1].strip().startsWith("#"))) {
            j--;
          }
          end = starts[j] - 1;
          if (blockScalar) {
            blockScalarIndent = keyIndent;
          }
        }
        Kind kind = Kind.SCALAR;
        if (blockScalar) {
          kind = Kind.BLOCK_SCALAR;
        } else if (block) {
          int j = i + 1;
          while (j < lines.length
              && (lines[j].isBlank() || lines[j].stripLeading().startsWith("#"))) {
            j++;
          }
          kind =
              j < lines.length && lines[j].stripLeading().startsWith("- ")
                  ? Kind.LIST
                  : Kind.MAPPING;
        }
        if (keys) {
          out.add(new Slot(m.group(3), starts[i], valueStart, end, keyIndent, kind, item, value));
        } else if (!block) {
          int vs = starts[i] + m.start(4);
          out.add(new Slot(m.group(3), starts[i], vs, end, keyIndent, kind, item, value));
        }
        continue;
      }
      Matcher item = ITEM_LINE.matcher(line);
      if (!keys && item.matches()) {
        int vs = starts[i] + item.start(2);
        out.add(
            new Slot(
                "list item",
                starts[i],
                vs,
                starts[i] + line.length(),
                indent + 2,
                Kind.SCALAR,
                true,
                item.group(2)));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no " + (keys ? "keys" : "scalars") + " in a base");
    }
    return out;
  }

  private static int lead(String line) {
    return line.length() - line.stripLeading().length();
  }

  // -------------------------------------------------------------------------------- helpers

  private Input input(String mutation, String description, byte[] bytes, boolean blind) {
    return new Input(mutation, description, bytes, blind);
  }

  private <T> T pick(List<T> list) {
    return list.get(rng.nextInt(list.size()));
  }

  private String pick(String[] values) {
    return values[rng.nextInt(values.length)];
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    rng.nextBytes(b);
    return b;
  }

  private static String replace(String text, int start, int end, String with) {
    return text.substring(0, start) + with + text.substring(end);
  }

  private static String unquote(String v) {
    if (v.length() >= 2
        && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
      return v.substring(1, v.length() - 1);
    }
    return v;
  }

  private static String firstLine(String s) {
    String line = s.strip().lines().findFirst().orElse("");
    return line.length() > 40 ? line.substring(0, 40) + "..." : line;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] slice(byte[] b, int from, int to) {
    return java.util.Arrays.copyOfRange(b, from, to);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
