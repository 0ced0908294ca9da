package dev.imagespec.reconcile;

/**
 * A container as the store lists it: enough to tell which images are in use.
 *
 * @param id container ID
 * @param name container name without the leading slash
 * @param imageId full ID of the image it was created from
 * @param image the image reference it was created with
 */
public record ContainerRef(String id, String name, String imageId, String image) {}
