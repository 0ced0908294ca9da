package dev.imagespec.spec;

/** What happens to the images of an ImageSpec when it is deleted. */
public enum DeletionPolicy {
  /** Keep the images (default). */
  Retain,
  /** Remove the images the spec declared (unless another spec still wants them). */
  Remove
}
