package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.Objects;
import java.util.regex.Matcher;

/** How fast a spec's images reach the nodes (operator mode only). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RolloutSpec {
  private static final java.util.regex.Pattern PERCENT =
      java.util.regex.Pattern.compile("^([0-9]{1,3})%$");

  @JsonPropertyDescription(
      "At most this many nodes pull this spec's images at once: an integer (at least 1) or a"
          + " percentage of the matching nodes such as 25% (rounded up, at least 1). Unset:"
          + " unlimited.")
  private IntOrString maxConcurrentNodes;

  public RolloutSpec() {}

  public static RolloutSpec maxConcurrentNodes(Object value) {
    RolloutSpec r = new RolloutSpec();
    r.setMaxConcurrentNodes(
        value instanceof Integer i ? new IntOrString(i) : new IntOrString(String.valueOf(value)));
    return r;
  }

  public IntOrString getMaxConcurrentNodes() {
    return maxConcurrentNodes;
  }

  public void setMaxConcurrentNodes(IntOrString maxConcurrentNodes) {
    this.maxConcurrentNodes = maxConcurrentNodes;
  }

  /**
   * The limit for {@code nodes} matching nodes, or null for unlimited (unset, or invalid: the
   * validator reports that).
   */
  public Integer limit(int nodes) {
    if (maxConcurrentNodes == null) {
      return null;
    }
    if (maxConcurrentNodes.getIntVal() != null) {
      int v = maxConcurrentNodes.getIntVal();
      return v >= 1 ? v : null;
    }
    String s = maxConcurrentNodes.getStrVal();
    Matcher m = s == null ? null : PERCENT.matcher(s);
    if (m == null || !m.matches()) {
      return null;
    }
    int pct = Integer.parseInt(m.group(1));
    if (pct < 1 || pct > 100) {
      return null;
    }
    return Math.max(1, (int) Math.ceil(nodes * pct / 100.0));
  }

  /** Why {@code maxConcurrentNodes} is invalid, or null. */
  String problem() {
    if (maxConcurrentNodes == null) {
      return null;
    }
    if (maxConcurrentNodes.getIntVal() != null) {
      return maxConcurrentNodes.getIntVal() >= 1
          ? null
          : "must be at least 1, got " + maxConcurrentNodes.getIntVal();
    }
    String s = maxConcurrentNodes.getStrVal();
    Matcher m = s == null ? null : PERCENT.matcher(s);
    if (m == null || !m.matches()) {
      return "expected an integer or a percentage such as 25%, got '" + s + "'";
    }
    int pct = Integer.parseInt(m.group(1));
    return pct < 1 || pct > 100 ? "a percentage must be 1% to 100%, got '" + s + "'" : null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RolloutSpec r && Objects.equals(maxConcurrentNodes, r.maxConcurrentNodes);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(maxConcurrentNodes);
  }

  @Override
  public String toString() {
    return "RolloutSpec{maxConcurrentNodes=" + maxConcurrentNodes + "}";
  }
}
