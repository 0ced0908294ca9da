package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.List;
import java.util.Map;

/**
 * CRD schema of {@code spec.nodeSelector} (swapped in for Fabric8's {@code LabelSelector}, whose
 * schema cannot say which operators exist): the model itself stays a {@code LabelSelector}.
 */
public final class NodeSelectorSchema {
  @JsonPropertyDescription("Node labels that must all be set to these values.")
  public Map<String, String> matchLabels;

  @JsonPropertyDescription("Requirements on node labels; all must hold.")
  public List<Requirement> matchExpressions;

  private NodeSelectorSchema() {}

  /** Operators of a requirement, as in Kubernetes label selectors. */
  public enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist
  }

  /** One requirement. */
  public static final class Requirement {
    @Required
    @JsonPropertyDescription("Label key.")
    public String key;

    @Required
    @JsonPropertyDescription("In, NotIn, Exists or DoesNotExist.")
    public Operator operator;

    @JsonPropertyDescription("Values for In and NotIn; empty for Exists and DoesNotExist.")
    public List<String> values;

    private Requirement() {}
  }
}
