package dev.imagespec.engine;

/**
 * What a {@link RegistryCopy} did.
 *
 * @param source the source, fully qualified, as given
 * @param target the target, fully qualified (with {@code :latest} when it named no tag)
 * @param digest the digest the target now serves (the source's: digests are kept)
 * @param mediaType that manifest's or index's media type
 * @param skipped true when the target held the digest already and nothing was copied
 * @param manifests manifests and indexes put into the target
 * @param blobsCopied blobs streamed from the source to the target
 * @param blobsMounted blobs mounted from the source repository (same registry; no bytes sent)
 * @param blobsSkipped blobs the target held already, and foreign layers (never copied)
 * @param bytesUploaded bytes of the blobs streamed
 */
public record CopyResult(
    String source,
    String target,
    String digest,
    String mediaType,
    boolean skipped,
    int manifests,
    int blobsCopied,
    int blobsMounted,
    int blobsSkipped,
    long bytesUploaded) {}
