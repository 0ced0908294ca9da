package dev.imagespec.engine;

/**
 * Limits of each container a build runs (the seeds' {@code container_limits}), one-to-one with the
 * engine parameters: {@code memory} (bytes), {@code memswap} (memory + swap in bytes, -1 for
 * unlimited swap), {@code cpushares} (relative weight), {@code cpusetcpus} (e.g. {@code 0-3} or
 * {@code 0,1}), {@code cpuperiod} and {@code cpuquota} (CFS, microseconds). Null leaves the
 * engine's default.
 */
public record ContainerLimits(
    Long memory, Long memswap, Long cpushares, String cpusetcpus, Long cpuperiod, Long cpuquota) {

  public static ContainerLimits none() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder. */
  public static final class Builder {
    private Long memory;
    private Long memswap;
    private Long cpushares;
    private String cpusetcpus;
    private Long cpuperiod;
    private Long cpuquota;

    public Builder memory(long bytes) {
      this.memory = bytes;
      return this;
    }

    public Builder memswap(long bytes) {
      this.memswap = bytes;
      return this;
    }

    public Builder cpushares(long shares) {
      this.cpushares = shares;
      return this;
    }

    public Builder cpusetcpus(String cpus) {
      this.cpusetcpus = cpus;
      return this;
    }

    public Builder cpuperiod(long micros) {
      this.cpuperiod = micros;
      return this;
    }

    public Builder cpuquota(long micros) {
      this.cpuquota = micros;
      return this;
    }

    public ContainerLimits build() {
      return new ContainerLimits(memory, memswap, cpushares, cpusetcpus, cpuperiod, cpuquota);
    }
  }
}
