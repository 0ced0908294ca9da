package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** The spec of an {@link ImageNode}: which node it stands for. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ImageNodeSpec {
  @JsonPropertyDescription("The node this ImageNode reports on (same as metadata.name).")
  private String nodeName;

  public ImageNodeSpec() {}

  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageNodeSpec s && Objects.equals(nodeName, s.nodeName);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(nodeName);
  }

  @Override
  public String toString() {
    return "ImageNodeSpec{nodeName=" + nodeName + "}";
  }
}
