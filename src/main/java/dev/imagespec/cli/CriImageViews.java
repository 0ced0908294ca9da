package dev.imagespec.cli;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.DockerConfigCredentials;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.cri.CriImage;
import dev.imagespec.engine.cri.CriRuntime;
import java.util.LinkedHashMap;
import java.util.Map;

/** How the {@code images} subcommands show and address images of a CRI runtime. */
final class CriImageViews {
  private CriImageViews() {}

  /** An image as {@code -o json} and {@code inspect} print it (Docker's key names). */
  static Map<String, Object> json(CriImage i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", i.id());
    m.put("RepoTags", i.repoTags());
    m.put("RepoDigests", i.repoDigests());
    m.put("Size", i.size());
    m.put("Created", i.created() == null ? null : i.created().toString());
    m.put("Labels", i.labels());
    m.put("Pinned", i.pinned());
    return m;
  }

  /**
   * A name as the runtime keeps it (fully qualified: {@code docker.io/library/busybox:latest}); an
   * ID stays as given.
   */
  static String qualified(String nameOrId) {
    return ImageReference.looksLikeId(nameOrId) ? nameOrId : CriRuntime.normalise(nameOrId);
  }

  /** {@code --creds}, else this machine's docker config for the reference's registry. */
  static AuthConfig auth(CredsOption creds, DockerConfigCredentials docker, String reference) {
    AuthConfig given = creds.auth();
    if (given != null) {
      return given;
    }
    return docker.forRegistry(ImageReference.parse(reference).domain()).orElse(null);
  }
}
