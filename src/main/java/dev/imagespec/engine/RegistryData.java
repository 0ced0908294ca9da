package dev.imagespec.engine;

import java.util.List;
import java.util.Objects;

/**
 * What a registry serves for a reference, read without pulling (docker-py's {@code
 * inspect_distribution}, podman-py's {@code get_registry_data}).
 *
 * @param digest the manifest (or index) digest a pull by this reference resolves to, {@code
 *     sha256:...}
 * @param mediaType media type of that manifest: an OCI index / Docker manifest list, or a single
 *     OCI / Docker schema-2 manifest
 * @param size size in bytes of the manifest as served
 * @param platforms for an index, the platforms it offers (attestation entries left out); for a
 *     single manifest, the one platform its image config names; empty when unknown
 */
public record RegistryData(String digest, String mediaType, long size, List<Platform> platforms) {

  public RegistryData {
    Objects.requireNonNull(digest, "digest");
    platforms = platforms == null ? List.of() : List.copyOf(platforms);
  }

  /** True when the manifest is an OCI image index or a Docker manifest list. */
  public boolean isIndex() {
    return RegistryClient.OCI_INDEX.equals(mediaType)
        || RegistryClient.DOCKER_LIST.equals(mediaType);
  }

  /**
   * One platform, as in an OCI index entry or an image config.
   *
   * @param os e.g. {@code linux}
   * @param architecture e.g. {@code amd64}, {@code arm64}
   * @param variant e.g. {@code v8}, or null
   */
  public record Platform(String os, String architecture, String variant) {

    /** {@code os/architecture[/variant]}, as Docker's {@code --platform} takes it. */
    @Override
    public String toString() {
      return os + "/" + architecture + (variant == null || variant.isEmpty() ? "" : "/" + variant);
    }
  }
}
