package dev.imagespec.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Builds: the request (options checked and sent before any call), its stream and log, and the
 * registry config ({@code X-Registry-Config}) for the Dockerfile's base images.
 */
final class Builds {
  private final EngineClient client;
  private final Images images;

  Builds(EngineClient client, Images images) {
    this.client = client;
    this.images = images;
  }

  BuildResult build(BuildContext context, BuildOptions options, Consumer<ProgressEvent> progress) {
    BuildLog log = new BuildLog();
    String[] id = new String[1];
    try (ProgressStream s = open(context, options, log)) {
      s.drain(
          e -> {
            id[0] = BuildLog.imageId(e, id[0]);
            if (progress != null) {
              progress.accept(e);
            }
          });
    }
    if (id[0] == null) {
      throw new BuildException(
          "build: the engine did not report the image's ID", null, log.lines());
    }
    return new BuildResult(images.get(id[0]), log.lines());
  }

  ProgressStream buildStream(BuildContext context, BuildOptions options) {
    return open(context, options, new BuildLog());
  }

  private ProgressStream open(BuildContext context, BuildOptions o, BuildLog log) {
    List<ImageReference> tags = new ArrayList<>();
    for (String t : o.tags()) {
      ImageReference r = ImageReference.parse(t);
      if (r.hasDigest()) {
        throw new InvalidArgumentException("invalid build tag '" + t + "': a tag, not a digest");
      }
      tags.add(r.withDefaultTag());
    }
    Platform.parse(o.platform());
    o.extraHosts()
        .forEach(
            (host, ip) -> {
              if (host.isBlank()
                  || ip.isBlank()
                  || (host + ip).chars().anyMatch(Character::isWhitespace)) {
                throw new InvalidArgumentException("invalid extra host '" + host + ":" + ip + "'");
              }
            });
    o.cacheFrom().forEach(Images::checkName);
    if (o.manifest() != null) {
      Images.checkName(o.manifest());
    }
    // Secrets travel in the context tar under random names; Podman moves them out before building.
    List<BuildContext.Extra> extras = new ArrayList<>();
    List<String> secrets = new ArrayList<>();
    for (BuildSecret secret : o.secrets()) {
      String name = ".imagespec-secret-" + UUID.randomUUID();
      extras.add(new BuildContext.Extra(name, secret.source()));
      secrets.add("id=" + secret.id() + ",src=" + name);
    }
    // A missing context directory is reported before any engine call, options the engine refuses
    // before the context is read (a directory listed), and all of it before the build call.
    context.check();
    EngineDialect dialect = client.dialect();
    dialect.checkBuildOptions(o);
    BuildContext.Prepared p = context.prepare(o.dockerfile(), extras);
    HttpUrl.Builder url = dialect.buildUrl();
    Params.param(url, "dockerfile", p.dockerfileParam());
    for (ImageReference t : tags) {
      url.addQueryParameter("t", dialect.buildTag(t));
    }
    if (context.kind() == BuildContext.Kind.REMOTE) {
      url.addQueryParameter("remote", context.remote());
    }
    Params.flag(url, "q", o.quiet());
    Params.flag(url, "nocache", o.nocache());
    Params.param(url, "rm", o.rm());
    Params.flag(url, "forcerm", o.forcerm());
    Params.flag(url, "pull", o.pull());
    if (!o.buildargs().isEmpty()) {
      url.addQueryParameter("buildargs", Params.json(o.buildargs()));
    }
    if (!o.labels().isEmpty()) {
      url.addQueryParameter("labels", Params.json(o.labels()));
    }
    Params.param(url, "target", o.target());
    if (!o.cacheFrom().isEmpty()) {
      url.addQueryParameter("cachefrom", Params.json(o.cacheFrom()));
    }
    Params.param(url, "networkmode", o.networkMode());
    Params.param(url, "platform", o.platform());
    if (!o.extraHosts().isEmpty()) {
      List<String> hosts = new ArrayList<>();
      o.extraHosts().forEach((h, ip) -> hosts.add(h + ":" + ip));
      dialect.extraHosts(url, hosts);
    }
    Params.param(url, "shmsize", o.shmsize());
    ContainerLimits l = o.containerLimits();
    Params.param(url, "memory", l.memory());
    Params.param(url, "memswap", l.memswap());
    Params.param(url, "cpushares", l.cpushares());
    Params.param(url, "cpusetcpus", l.cpusetcpus());
    Params.param(url, "cpuperiod", l.cpuperiod());
    Params.param(url, "cpuquota", l.cpuquota());
    Params.flag(url, "squash", o.squash());
    dialect.ownBuildParams(url, o, secrets);

    Map<String, String> headers = new HashMap<>();
    Map<String, AuthConfig> registries = registryConfig(o, p.dockerfileText());
    if (!registries.isEmpty()) {
      headers.put("X-Registry-Config", registryConfigHeader(registries));
    }
    if (p.contentEncoding() != null) {
      headers.put("Content-Encoding", p.contentEncoding());
    }
    okhttp3.RequestBody body = p.body() != null ? p.body() : Transport.emptyBody();
    Request request = client.transport().request(url.build(), headers).post(body).build();
    okhttp3.Call call = client.transport().newCall(request, true);
    Response response;
    try {
      response = client.transport().execute(call, Transport.NotFound.OTHER);
    } catch (EngineUnavailableException e) {
      if (p.body() instanceof BuildContext.SourceFailure sf && sf.failure() != null) {
        throw new InvalidArgumentException(
            "build context: " + Transport.describe(sf.failure()) + " (while sending it)");
      }
      throw e;
    }
    return new ProgressStream(
        response, "build", call, log, (m, item) -> new BuildException(m, item, log.lines()));
  }

  /**
   * The registries → credentials a build sends: the options' own, else the client's credentials for
   * the registries of the Dockerfile's base images and of {@code cacheFrom}.
   */
  Map<String, AuthConfig> registryConfig(BuildOptions o, String dockerfileText) {
    Map<String, AuthConfig> out = new LinkedHashMap<>();
    if (!o.registryConfig().isEmpty()) {
      o.registryConfig()
          .forEach(
              (registry, auth) ->
                  out.put(
                      RegistryNames.serverAddress(registry), Transfers.withServer(auth, registry)));
      return out;
    }
    Set<String> domains = new LinkedHashSet<>();
    List<String> refs = new ArrayList<>(o.cacheFrom());
    if (dockerfileText != null) {
      refs.addAll(DockerfileRefs.baseImages(dockerfileText, o.buildargs()));
    }
    for (String image : refs) {
      try {
        domains.add(ImageReference.parse(image).domain());
      } catch (InvalidArgumentException e) {
        // an unresolved ARG or a stage name: no registry to look up
      }
    }
    for (String domain : domains) {
      client
          .credentials()
          .forRegistry(domain)
          .ifPresent(
              a -> out.put(RegistryNames.serverAddress(domain), Transfers.withServer(a, domain)));
    }
    return out;
  }

  /** {@code X-Registry-Config}: base64url of the JSON map registry → AuthConfig. */
  static String registryConfigHeader(Map<String, AuthConfig> config) {
    return java.util.Base64.getUrlEncoder()
        .encodeToString(Params.json(config).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
