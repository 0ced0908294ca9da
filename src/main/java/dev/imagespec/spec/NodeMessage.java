package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** A node and what it reported (operator mode): the first few failing nodes of an image. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"node", "message"})
public class NodeMessage {
  @JsonPropertyDescription("Node name.")
  private String node;

  @JsonPropertyDescription("What the node's agent reported.")
  private String message;

  public NodeMessage() {}

  public NodeMessage(String node, String message) {
    this.node = node;
    this.message = message;
  }

  public String getNode() {
    return node;
  }

  public void setNode(String node) {
    this.node = node;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeMessage n
        && Objects.equals(node, n.node)
        && Objects.equals(message, n.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(node, message);
  }

  @Override
  public String toString() {
    return node + ": " + message;
  }
}
