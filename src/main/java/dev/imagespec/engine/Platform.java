package dev.imagespec.engine;

/** A platform {@code os[/arch[/variant]]}. */
record Platform(String os, String arch, String variant) {
  static Platform parse(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    String[] p = text.split("/");
    if (p.length > 3 || java.util.Arrays.stream(p).anyMatch(String::isBlank)) {
      throw new InvalidArgumentException(
          "invalid platform '" + text + "': expected os[/arch[/variant]]");
    }
    return new Platform(p[0], p.length > 1 ? p[1] : null, p.length > 2 ? p[2] : null);
  }
}
