package dev.imagespec.engine.cri;

/**
 * A container in a CRI runtime, running or not: enough to tell which images are in use.
 *
 * @param id container ID
 * @param name {@code namespace/pod/container} when the kubelet's labels say so, else the CRI
 *     metadata name
 * @param imageId ID of the image it runs ({@code sha256:...})
 * @param image the image reference it was created with
 * @param state CRI state, e.g. {@code CONTAINER_RUNNING}, {@code CONTAINER_EXITED}
 */
public record CriContainer(String id, String name, String imageId, String image, String state) {}
