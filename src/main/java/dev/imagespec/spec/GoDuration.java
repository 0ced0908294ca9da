package dev.imagespec.spec;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;

/**
 * Go / Kubernetes duration syntax ({@code time.ParseDuration}): a sequence of decimal numbers, each
 * with an optional fraction and a unit, e.g. {@code 90s}, {@code 1h30m}, {@code 1.5h}, {@code
 * 300ms}. Units: {@code ns}, {@code us} (or {@code µs}), {@code ms}, {@code s}, {@code m}, {@code
 * h}. {@code 0} needs no unit.
 */
public final class GoDuration {
  /** Non-negative Go duration, for CRD validation. */
  public static final String PATTERN =
      "^(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$";

  private static final long NANOS_PER_SECOND = 1_000_000_000L;
  private static final Map<String, Long> UNITS =
      Map.of(
          "ns", 1L,
          "us", 1_000L,
          "\u00b5s", 1_000L,
          "\u03bcs", 1_000L,
          "ms", 1_000_000L,
          "s", NANOS_PER_SECOND,
          "m", 60 * NANOS_PER_SECOND,
          "h", 3600 * NANOS_PER_SECOND);
  private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);
  private static final BigInteger MIN_ABS = MAX.add(BigInteger.ONE);

  private GoDuration() {}

  /**
   * Parses a Go duration.
   *
   * @throws IllegalArgumentException naming the value and the problem
   */
  public static Duration parse(String text) {
    if (text == null || text.isEmpty()) {
      throw invalid(text, "it is empty");
    }
    String s = text;
    boolean negative = false;
    if (s.charAt(0) == '-' || s.charAt(0) == '+') {
      negative = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      throw invalid(text, "a number is expected");
    }
    BigDecimal total = BigDecimal.ZERO;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
        i++;
      }
      boolean pre = i > start;
      boolean post = false;
      if (i < s.length() && s.charAt(i) == '.') {
        i++;
        int fracStart = i;
        while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
          i++;
        }
        post = i > fracStart;
      }
      if (!pre && !post) {
        throw invalid(text, "a number is expected at '" + s.substring(start) + "'");
      }
      String number = s.substring(start, i);
      int unitStart = i;
      while (i < s.length() && s.charAt(i) != '.' && !isAsciiDigit(s.charAt(i))) {
        i++;
      }
      String unit = s.substring(unitStart, i);
      if (unit.isEmpty()) {
        throw invalid(text, "missing unit after '" + number + "' (use ns, us, ms, s, m or h)");
      }
      Long scale = UNITS.get(unit);
      if (scale == null) {
        throw invalid(text, "unknown unit '" + unit + "' (use ns, us, ms, s, m or h)");
      }
      String normalised = number.startsWith(".") ? "0" + number : number;
      if (normalised.endsWith(".")) {
        normalised = normalised + "0";
      }
      total = total.add(new BigDecimal(normalised).multiply(BigDecimal.valueOf(scale)));
    }
    BigInteger nanos = total.toBigInteger();
    if (nanos.compareTo(negative ? MIN_ABS : MAX) > 0) {
      throw invalid(text, "it is out of range");
    }
    return negative
        ? Duration.ofNanos(nanos.negate().longValue())
        : Duration.ofNanos(nanos.longValue());
  }

  /** Parses, returning null for null or blank input. */
  public static Duration parseOrNull(String text) {
    return text == null || text.isBlank() ? null : parse(text);
  }

  /** True when {@code text} parses. */
  public static boolean isValid(String text) {
    try {
      parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Formats as Go's {@code Duration.String()}: {@code 1h30m0s}, {@code 1.5s}, {@code 300ms}, {@code
   * 0s}.
   */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    BigInteger total =
        BigInteger.valueOf(d.getSeconds())
            .multiply(BigInteger.valueOf(NANOS_PER_SECOND))
            .add(BigInteger.valueOf(d.getNano()));
    boolean negative = total.signum() < 0;
    BigInteger u = total.abs();
    StringBuilder b = new StringBuilder();
    if (negative) {
      b.append('-');
    }
    if (u.compareTo(BigInteger.valueOf(NANOS_PER_SECOND)) < 0) {
      long n = u.longValue();
      if (n < 1_000) {
        b.append(n).append("ns");
      } else if (n < 1_000_000) {
        b.append(fraction(n, 1_000)).append("\u00b5s");
      } else {
        b.append(fraction(n, 1_000_000)).append("ms");
      }
      return b.toString();
    }
    BigInteger[] hr = u.divideAndRemainder(BigInteger.valueOf(3600 * NANOS_PER_SECOND));
    BigInteger[] mr = hr[1].divideAndRemainder(BigInteger.valueOf(60 * NANOS_PER_SECOND));
    long secondsNanos = mr[1].longValue();
    if (hr[0].signum() > 0) {
      b.append(hr[0]).append('h');
    }
    if (hr[0].signum() > 0 || mr[0].signum() > 0) {
      b.append(mr[0]).append('m');
    }
    b.append(fraction(secondsNanos, NANOS_PER_SECOND)).append('s');
    return b.toString();
  }

  private static String fraction(long value, long unit) {
    long whole = value / unit;
    long rest = value % unit;
    if (rest == 0) {
      return Long.toString(whole);
    }
    String digits = Long.toString(unit).substring(1);
    String frac = String.format("%0" + digits.length() + "d", rest).replaceAll("0+$", "");
    return whole + "." + frac;
  }

  private static boolean isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static IllegalArgumentException invalid(String text, String why) {
    return new IllegalArgumentException("invalid duration '" + text + "': " + why);
  }
}
