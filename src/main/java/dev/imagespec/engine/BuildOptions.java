package dev.imagespec.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Options of a build ({@code POST /build}), one-to-one with the seeds' {@code build} keywords:
 *
 * <ul>
 *   <li>{@code dockerfile}: path of the Dockerfile in the context (default {@code Dockerfile}); for
 *       a directory context an absolute path outside it works too;
 *   <li>{@code tags}: names for the image ({@code t}, repeatable; docker-py's {@code tag});
 *   <li>{@code quiet}, {@code nocache}, {@code rm} (null: the engine's default, true), {@code
 *       forcerm}, {@code pull} (always pull the {@code FROM} images);
 *   <li>{@code buildargs}, {@code labels}, {@code target}, {@code cacheFrom}, {@code networkMode},
 *       {@code platform} ({@code os[/arch[/variant]]}), {@code extraHosts} (host name → IP), {@code
 *       shmsize} (bytes), {@code containerLimits}, {@code squash} (Docker: experimental daemons
 *       only);
 *   <li>Podman only: {@code layers} (cache intermediate layers; null: true, as podman-py), {@code
 *       output}, {@code outputFormat} (the image's manifest type; null: {@link #OCI_FORMAT}, as
 *       podman-py: Podman 4 reuses its build cache only with both sent), {@code manifest} (a
 *       manifest list to add the image to, created if missing), {@code secrets} ({@link
 *       BuildSecret}); Docker refuses them with {@link UnsupportedBuildOptionException}, except
 *       {@code layers} true, what its builder does anyway;
 *   <li>{@code registryConfig}: credentials for the registries the {@code FROM} images come from,
 *       registry → {@link AuthConfig}, sent as {@code X-Registry-Config}. When empty, the client's
 *       {@link RegistryCredentials} are asked for the registries the Dockerfile names (when the
 *       Dockerfile can be read: a directory context or a lone Dockerfile) and for {@code
 *       cacheFrom}.
 * </ul>
 *
 * docker-py's {@code timeout}, {@code isolation}, {@code use_config_proxy}, {@code decode} and
 * {@code stream} are not engine parameters: builds have no read timeout, and {@link
 * Images#buildStream} is the streaming form.
 */
public record BuildOptions(
    String dockerfile,
    List<String> tags,
    boolean quiet,
    boolean nocache,
    Boolean rm,
    boolean forcerm,
    boolean pull,
    Map<String, String> buildargs,
    Map<String, String> labels,
    String target,
    List<String> cacheFrom,
    String networkMode,
    String platform,
    Map<String, String> extraHosts,
    Long shmsize,
    ContainerLimits containerLimits,
    boolean squash,
    Boolean layers,
    String output,
    String outputFormat,
    String manifest,
    List<BuildSecret> secrets,
    Map<String, AuthConfig> registryConfig) {

  /** The OCI image manifest type ({@code podman build --format oci}). */
  public static final String OCI_FORMAT = "application/vnd.oci.image.manifest.v1+json";

  /** Docker's image manifest type ({@code podman build --format docker}). */
  public static final String DOCKER_FORMAT = "application/vnd.docker.distribution.manifest.v2+json";

  public BuildOptions {
    tags = tags == null ? List.of() : List.copyOf(tags);
    buildargs = copy(buildargs);
    labels = copy(labels);
    cacheFrom = cacheFrom == null ? List.of() : List.copyOf(cacheFrom);
    extraHosts = copy(extraHosts);
    containerLimits = containerLimits == null ? ContainerLimits.none() : containerLimits;
    secrets = secrets == null ? List.of() : List.copyOf(secrets);
    registryConfig =
        registryConfig == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(registryConfig));
  }

  private static Map<String, String> copy(Map<String, String> m) {
    return m == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(m));
  }

  public static BuildOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder; each setter maps onto one engine parameter. */
  public static final class Builder {
    private String dockerfile;
    private final List<String> tags = new ArrayList<>();
    private boolean quiet;
    private boolean nocache;
    private Boolean rm;
    private boolean forcerm;
    private boolean pull;
    private final Map<String, String> buildargs = new LinkedHashMap<>();
    private final Map<String, String> labels = new LinkedHashMap<>();
    private String target;
    private final List<String> cacheFrom = new ArrayList<>();
    private String networkMode;
    private String platform;
    private final Map<String, String> extraHosts = new LinkedHashMap<>();
    private Long shmsize;
    private ContainerLimits containerLimits;
    private boolean squash;
    private Boolean layers;
    private String output;
    private String outputFormat;
    private String manifest;
    private final List<BuildSecret> secrets = new ArrayList<>();
    private final Map<String, AuthConfig> registryConfig = new LinkedHashMap<>();

    public Builder dockerfile(String dockerfile) {
      this.dockerfile = dockerfile;
      return this;
    }

    /** Adds a name for the image ({@code repo[:tag]}). */
    public Builder tag(String tag) {
      this.tags.add(tag);
      return this;
    }

    public Builder tags(List<String> tags) {
      this.tags.clear();
      this.tags.addAll(tags);
      return this;
    }

    public Builder quiet(boolean quiet) {
      this.quiet = quiet;
      return this;
    }

    public Builder nocache(boolean nocache) {
      this.nocache = nocache;
      return this;
    }

    public Builder rm(boolean rm) {
      this.rm = rm;
      return this;
    }

    public Builder forcerm(boolean forcerm) {
      this.forcerm = forcerm;
      return this;
    }

    public Builder pull(boolean pull) {
      this.pull = pull;
      return this;
    }

    public Builder buildarg(String name, String value) {
      this.buildargs.put(name, value);
      return this;
    }

    public Builder buildargs(Map<String, String> buildargs) {
      this.buildargs.putAll(buildargs);
      return this;
    }

    public Builder label(String key, String value) {
      this.labels.put(key, value);
      return this;
    }

    public Builder labels(Map<String, String> labels) {
      this.labels.putAll(labels);
      return this;
    }

    public Builder target(String target) {
      this.target = target;
      return this;
    }

    public Builder cacheFrom(String image) {
      this.cacheFrom.add(image);
      return this;
    }

    public Builder networkMode(String networkMode) {
      this.networkMode = networkMode;
      return this;
    }

    public Builder platform(String platform) {
      this.platform = platform;
      return this;
    }

    /** Adds {@code host} → {@code ip} to the build containers' {@code /etc/hosts}. */
    public Builder extraHost(String host, String ip) {
      this.extraHosts.put(host, ip);
      return this;
    }

    public Builder shmsize(long bytes) {
      this.shmsize = bytes;
      return this;
    }

    public Builder containerLimits(ContainerLimits limits) {
      this.containerLimits = limits;
      return this;
    }

    public Builder squash(boolean squash) {
      this.squash = squash;
      return this;
    }

    /** Podman only; true is accepted on Docker, whose builder always caches layers. */
    public Builder layers(boolean layers) {
      this.layers = layers;
      return this;
    }

    /** Podman only. */
    public Builder output(String output) {
      this.output = output;
      return this;
    }

    /** Podman only. */
    public Builder outputFormat(String outputFormat) {
      this.outputFormat = outputFormat;
      return this;
    }

    /** Podman only: adds the image to this manifest list, created if missing. */
    public Builder manifest(String manifest) {
      this.manifest = manifest;
      return this;
    }

    /** Podman only: a build secret ({@code RUN --mount=type=secret,id=...}). */
    public Builder secret(BuildSecret secret) {
      this.secrets.add(secret);
      return this;
    }

    /** Credentials for one registry ({@code host[:port]}, or {@code docker.io}). */
    public Builder registryAuth(String registry, AuthConfig auth) {
      this.registryConfig.put(registry, auth);
      return this;
    }

    public BuildOptions build() {
      return new BuildOptions(
          dockerfile,
          tags,
          quiet,
          nocache,
          rm,
          forcerm,
          pull,
          buildargs,
          labels,
          target,
          cacheFrom,
          networkMode,
          platform,
          extraHosts,
          shmsize,
          containerLimits,
          squash,
          layers,
          output,
          outputFormat,
          manifest,
          secrets,
          registryConfig);
    }
  }
}
