package dev.imagespec.engine;

import java.util.function.Consumer;

/**
 * How {@link RegistryCopy} copies: each side's credentials, which platforms, how many blobs at
 * once, and who hears of each step. {@link #toString()} never shows a secret.
 *
 * @param sourceAuth credentials for the source registry, or null for anonymous access
 * @param targetAuth credentials for the target registry, or null for anonymous access
 * @param platform {@code os/arch[/variant]}: copy only that platform's manifest of an index (a
 *     single manifest is copied as it is); null: copy an index whole, every platform
 * @param parallelism blobs transferred at once (1 to 16)
 * @param progress told of every blob and manifest step, from the copying threads; null for none
 */
public record CopyOptions(
    AuthConfig sourceAuth,
    AuthConfig targetAuth,
    String platform,
    int parallelism,
    Consumer<CopyProgress> progress) {

  /** Blobs transferred at once by default. */
  public static final int DEFAULT_PARALLELISM = 4;

  public CopyOptions {
    if (platform != null) {
      Platform p = Platform.parse(platform);
      if (p == null || p.arch() == null) {
        throw new InvalidArgumentException(
            "invalid platform '" + platform + "': expected os/arch[/variant], e.g. linux/amd64");
      }
    }
    if (parallelism < 1 || parallelism > 16) {
      throw new InvalidArgumentException(
          "parallelism " + parallelism + ": give 1 to 16 blobs at once");
    }
  }

  /** Anonymous on both sides, every platform, {@value #DEFAULT_PARALLELISM} blobs at once. */
  public static CopyOptions defaults() {
    return new CopyOptions(null, null, null, DEFAULT_PARALLELISM, null);
  }

  /** True when an index is copied whole. */
  public boolean allPlatforms() {
    return platform == null;
  }

  public CopyOptions withSourceAuth(AuthConfig auth) {
    return new CopyOptions(auth, targetAuth, platform, parallelism, progress);
  }

  public CopyOptions withTargetAuth(AuthConfig auth) {
    return new CopyOptions(sourceAuth, auth, platform, parallelism, progress);
  }

  /** Only {@code platform} ({@code os/arch[/variant]}) of an index; null: every platform. */
  public CopyOptions withPlatform(String platform) {
    return new CopyOptions(sourceAuth, targetAuth, platform, parallelism, progress);
  }

  public CopyOptions withParallelism(int parallelism) {
    return new CopyOptions(sourceAuth, targetAuth, platform, parallelism, progress);
  }

  public CopyOptions withProgress(Consumer<CopyProgress> progress) {
    return new CopyOptions(sourceAuth, targetAuth, platform, parallelism, progress);
  }
}
