package dev.imagespec.spec;

/**
 * When to pull an image: {@code IfNotPresent} (default) pulls only when the reference is missing;
 * {@code Always} also re-checks the registry every {@code refreshInterval} and pulls when the tag's
 * digest moved; {@code Never} never pulls (a missing image is reported as failed).
 */
public enum PullPolicy {
  IfNotPresent,
  Always,
  Never
}
