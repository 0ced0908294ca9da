package dev.imagespec.engine;

import java.util.Objects;

/**
 * A manifest or index exactly as a registry serves it: pushing {@link #body} under {@link
 * #mediaType} elsewhere keeps {@link #digest}.
 *
 * @param digest {@code sha256:...} of {@code body}
 * @param mediaType its media type (e.g. {@link RegistryClient#OCI_MANIFEST}, {@link
 *     RegistryClient#OCI_INDEX})
 * @param body its exact bytes (the caller must not change them)
 */
public record RegistryManifest(String digest, String mediaType, byte[] body) {

  public RegistryManifest {
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(mediaType, "mediaType");
    Objects.requireNonNull(body, "body");
  }

  /** True for an OCI image index or a Docker manifest list. */
  public boolean isIndex() {
    return RegistryClient.OCI_INDEX.equals(mediaType)
        || RegistryClient.DOCKER_LIST.equals(mediaType);
  }

  @Override
  public String toString() {
    return "RegistryManifest[" + digest + ", " + mediaType + ", " + body.length + " bytes]";
  }
}
