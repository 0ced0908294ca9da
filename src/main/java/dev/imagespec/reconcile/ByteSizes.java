package dev.imagespec.reconcile;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Human-readable sizes as the Docker CLI prints them ({@code docker images}, {@code docker system
 * df}): SI units and three significant digits, {@code 150MB}, {@code 1.23GB}, {@code 4.26MB}. This
 * is go-units' {@code HumanSizeWithPrecision(size, 3)}, i.e. Go's {@code %.3g}, including its
 * exponent form at the rounding edge ({@code 999.6kB} prints {@code 1e+03kB}, as docker does).
 */
public final class ByteSizes {
  private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  private static final int PRECISION = 3;

  private ByteSizes() {}

  public static String format(long bytes) {
    double size = bytes;
    int u = 0;
    while (size >= 1000 && u < UNITS.length - 1) {
      size /= 1000;
      u++;
    }
    return goG(size) + UNITS[u];
  }

  /** Go's {@code %.3g}: shortest of plain or exponent form, no trailing zeros. */
  private static String goG(double v) {
    BigDecimal d = new BigDecimal(v).round(new MathContext(PRECISION, RoundingMode.HALF_EVEN));
    if (d.signum() == 0) {
      return "0";
    }
    int exp = d.precision() - d.scale() - 1;
    if (exp < -4 || exp >= PRECISION) {
      String digits = d.stripTrailingZeros().unscaledValue().abs().toString();
      String mantissa =
          digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
      return (d.signum() < 0 ? "-" : "")
          + mantissa
          + "e"
          + (exp < 0 ? "-" : "+")
          + (Math.abs(exp) < 10 ? "0" : "")
          + Math.abs(exp);
    }
    return d.stripTrailingZeros().toPlainString();
  }
}
