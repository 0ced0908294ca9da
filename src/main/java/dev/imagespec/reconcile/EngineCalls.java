package dev.imagespec.reconcile;

/**
 * Port calls made during one pass, retries included. {@code registryDigest} goes to registries,
 * everything else to the engine.
 */
public record EngineCalls(
    int listImages,
    int listContainers,
    int inspect,
    int registryDigest,
    int pull,
    int tag,
    int push,
    int remove) {

  /** Calls that change the engine or a registry: pull, tag, push, remove. */
  public int mutating() {
    return pull + tag + push + remove;
  }

  /** Calls to the engine (everything but registry digest lookups). */
  public int engineRequests() {
    return listImages + listContainers + inspect + pull + tag + push + remove;
  }

  /** Every call. */
  public int total() {
    return engineRequests() + registryDigest;
  }
}
