package dev.imagespec.spec;

/**
 * Regular expressions of the CRD schema, so that the API server rejects what {@link SpecValidator}
 * rejects wherever a pattern can say it. They follow the validator's grammar ({@code
 * ImageReference}, {@link LabelFilter}, {@link GoDuration}) and are written in the RE2 syntax the
 * API server uses (no look-around). What a pattern cannot say (a sha256 digest's exact length,
 * duplicates, total repository length, cron field ranges) is left to the validator and the agents.
 */
public final class SchemaPatterns {
  private SchemaPatterns() {}

  private static final String DOMAIN =
      "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
          + "|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?";
  private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
  private static final String NAME = "(?:" + DOMAIN + "/)?" + COMPONENT + "(?:/" + COMPONENT + ")*";
  private static final String TAG = "[\\w][\\w.-]{0,127}";
  private static final String DIGEST = "[a-z][a-z0-9]*(?:[-_+.][a-z][a-z0-9]*)*:[0-9a-fA-F]{32,}";

  /** An image reference: {@code [registry[:port]/]repository[:tag][@algorithm:hex]}. */
  public static final String REFERENCE = "^" + NAME + "(?::" + TAG + ")?(?:@" + DIGEST + ")?$";

  /** A reference without digest (tags and push targets). */
  public static final String LOCAL_REFERENCE = "^" + NAME + "(?::" + TAG + ")?$";

  /** Longest image reference the validator accepts. */
  public static final int REFERENCE_MAX_LENGTH = 512;

  /** A lowercase RFC 1123 subdomain (Secret names). */
  public static final String DNS_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** Longest RFC 1123 subdomain. */
  public static final int DNS_SUBDOMAIN_MAX_LENGTH = 253;

  private static final String NUMBER = "(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)";
  private static final String NONZERO =
      "(?:[0-9]*[1-9][0-9]*(?:\\.[0-9]*)?|[0-9]*\\.[0-9]*[1-9][0-9]*)";
  private static final String UNIT = "(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h)";

  /** A positive Go duration: at least one of its numbers is not zero. */
  public static final String POSITIVE_DURATION =
      "^(?:" + NUMBER + UNIT + ")*" + NONZERO + UNIT + "(?:" + NUMBER + UNIT + ")*$";

  private static final String LABEL_KEY = "[A-Za-z0-9][A-Za-z0-9._/-]*";

  /** A prune label filter: {@code key}, {@code key=value}, {@code !key}, {@code key!=value}. */
  public static final String LABEL_FILTER =
      "^(?:!" + LABEL_KEY + "|" + LABEL_KEY + "(?:!?=[^\\n]*)?)$";
}
