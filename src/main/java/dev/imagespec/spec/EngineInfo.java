package dev.imagespec.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** The image store a node's agent drives: an engine (Docker, Podman) or a CRI runtime. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"kind", "version", "apiVersion", "socket"})
public class EngineInfo {
  @JsonPropertyDescription(
      "The image store: docker, podman (Docker Engine API), containerd or cri-o (CRI).")
  private String kind;

  @JsonPropertyDescription("The engine's version.")
  private String version;

  @JsonPropertyDescription(
      "The API in use: the Docker API version (e.g. 1.41), or the CRI version (cri v1).")
  private String apiVersion;

  @JsonPropertyDescription(
      "Where the agent reaches it, e.g. unix:///run/containerd/containerd.sock.")
  private String socket;

  public EngineInfo() {}

  public EngineInfo(String kind, String version, String apiVersion, String socket) {
    this.kind = kind;
    this.version = version;
    this.apiVersion = apiVersion;
    this.socket = socket;
  }

  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  public String getVersion() {
    return version;
  }

  public void setVersion(String version) {
    this.version = version;
  }

  public String getApiVersion() {
    return apiVersion;
  }

  public void setApiVersion(String apiVersion) {
    this.apiVersion = apiVersion;
  }

  public String getSocket() {
    return socket;
  }

  public void setSocket(String socket) {
    this.socket = socket;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EngineInfo e
        && Objects.equals(kind, e.kind)
        && Objects.equals(version, e.version)
        && Objects.equals(apiVersion, e.apiVersion)
        && Objects.equals(socket, e.socket);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, version, apiVersion, socket);
  }

  @Override
  public String toString() {
    return kind + " " + version + " (API " + apiVersion + ", " + socket + ")";
  }
}
