package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** A copy of an image to another registry. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"to", "credentialsSecret"})
public class PushTarget {
  @Required
  @Pattern(SchemaPatterns.LOCAL_REFERENCE)
  @Size(max = SchemaPatterns.REFERENCE_MAX_LENGTH)
  @JsonPropertyDescription("Target reference (with tag, without digest); tagged locally, pushed.")
  private String to;

  @Pattern(SchemaPatterns.DNS_SUBDOMAIN)
  @Size(max = SchemaPatterns.DNS_SUBDOMAIN_MAX_LENGTH)
  @JsonPropertyDescription(
      "Name of a kubernetes.io/dockerconfigjson Secret in the same namespace used to push.")
  private String credentialsSecret;

  public PushTarget() {}

  public static PushTarget of(String to, String credentialsSecret) {
    PushTarget p = new PushTarget();
    p.setTo(to);
    p.setCredentialsSecret(credentialsSecret);
    return p;
  }

  public String getTo() {
    return to;
  }

  public void setTo(String to) {
    this.to = to;
  }

  public String getCredentialsSecret() {
    return credentialsSecret;
  }

  public void setCredentialsSecret(String credentialsSecret) {
    this.credentialsSecret = credentialsSecret;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PushTarget p
        && Objects.equals(to, p.to)
        && Objects.equals(credentialsSecret, p.credentialsSecret);
  }

  @Override
  public int hashCode() {
    return Objects.hash(to, credentialsSecret);
  }

  @Override
  public String toString() {
    return "PushTarget{to=" + to + ", credentialsSecret=" + credentialsSecret + "}";
  }
}
