package dev.imagespec.engine;

/**
 * One step of a {@link RegistryCopy}.
 *
 * @param step what happened
 * @param digest the blob's or manifest's digest
 * @param size its size in bytes
 */
public record CopyProgress(Step step, String digest, long size) {

  /** What a step did. */
  public enum Step {
    /** The target repository held the blob already (or it is foreign: never copied). */
    BLOB_SKIPPED,
    /** Mounted from the source repository of the same registry: no bytes sent. */
    BLOB_MOUNTED,
    /** Streamed from the source to the target. */
    BLOB_UPLOADED,
    /** The target repository held a platform manifest of an index already. */
    MANIFEST_SKIPPED,
    /** A manifest or index was put into the target. */
    MANIFEST_PUT
  }
}
