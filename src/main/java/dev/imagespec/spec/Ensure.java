package dev.imagespec.spec;

/**
 * Whether an image must be on the engine ({@code Present}, the default) or not ({@code Absent}).
 */
public enum Ensure {
  Present,
  Absent
}
