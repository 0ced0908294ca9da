package dev.imagespec.engine;

/**
 * Options of a save ({@code docker save}; docker-py's {@code get_image}, podman-py's {@code
 * Image.save}, aiodocker's {@code export_image}):
 *
 * <ul>
 *   <li>{@code chunkSize}: bytes per chunk of {@link ImageArchive#chunks()} (default 2 MiB, as the
 *       seeds); 0 hands out what each read returns;
 *   <li>{@code named}: what the archive calls each image — null (default of {@link
 *       Images#save(java.util.List, SaveOptions)}, docker-py's behaviour): the names as given, so a
 *       tag keeps its name and an ID is saved unnamed; {@code false} (podman-py's default, that of
 *       {@link Image#save}): unnamed, saved by ID; {@code true}: the image's first tag;
 *   <li>{@code namedTag}: that tag of the image (podman-py's {@code named="repo:tag"}); it must be
 *       one of the image's tags.
 * </ul>
 *
 * The format is always {@code docker-archive}, which {@link Images#load} and both engines read.
 */
public record SaveOptions(int chunkSize, Boolean named, String namedTag) {

  /** The seeds' default chunk size, 2 MiB. */
  public static final int DEFAULT_CHUNK_SIZE = 2 * 1024 * 1024;

  public SaveOptions {
    if (chunkSize < 0) {
      throw new InvalidArgumentException("chunk size must not be negative: " + chunkSize);
    }
    if (namedTag != null && Boolean.FALSE.equals(named)) {
      throw new InvalidArgumentException("named=false and a named tag contradict each other");
    }
  }

  public static SaveOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder. */
  public static final class Builder {
    private int chunkSize = DEFAULT_CHUNK_SIZE;
    private Boolean named;
    private String namedTag;

    public Builder chunkSize(int chunkSize) {
      this.chunkSize = chunkSize;
      return this;
    }

    /** false: unnamed (by ID); true: the first tag. */
    public Builder named(boolean named) {
      this.named = named;
      this.namedTag = null;
      return this;
    }

    /** Name the image in the archive by this tag of it. */
    public Builder named(String tag) {
      this.named = true;
      this.namedTag = tag;
      return this;
    }

    public SaveOptions build() {
      return new SaveOptions(chunkSize, named, namedTag);
    }
  }
}
