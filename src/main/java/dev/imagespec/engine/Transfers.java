package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Pulls and pushes, their progress streams, and the {@code X-Registry-Auth} header every call that
 * reaches a registry through the engine sends.
 */
final class Transfers {
  private final EngineClient client;
  private final Images images;

  Transfers(EngineClient client, Images images) {
    this.client = client;
    this.images = images;
  }

  // ---------------------------------------------------------------------------------- pull

  Image pull(String reference, PullOptions options, Consumer<ProgressEvent> progress) {
    if (options.allTags()) {
      throw new InvalidArgumentException("allTags returns several images: use pullAllTags");
    }
    ImageReference ref = pullReference(reference, options);
    List<String> ids = drainPull(reference, options, progress);
    // libpod reports the IDs it pulled; Docker does not, so the reference names the image
    if (!ids.isEmpty()) {
      return images.get(ids.get(ids.size() - 1));
    }
    return images.get(ref.canonical());
  }

  List<Image> pullAllTags(
      String repository, PullOptions options, Consumer<ProgressEvent> progress) {
    PullOptions all =
        new PullOptions(null, true, options.platform(), options.auth(), options.tlsVerify());
    ImageReference ref = pullReference(repository, all);
    List<String> ids = drainPull(repository, all, progress);
    if (!ids.isEmpty()) {
      return new LinkedHashSet<>(ids).stream().map(images::get).toList();
    }
    return images.list(ListOptions.builder().reference(ref.familiarRepository()).build());
  }

  /**
   * Reads a pull's stream to the end; returns the image IDs libpod reports. A missing repository or
   * tag that the engine reports mid-stream (Podman) becomes {@link ImageNotFoundException}, as
   * Docker's 404 does.
   */
  private List<String> drainPull(
      String reference, PullOptions options, Consumer<ProgressEvent> progress) {
    List<String> ids = new ArrayList<>();
    try (ProgressStream s = pullStream(reference, options)) {
      s.drain(
          e -> {
            JsonNode reported = e.raw().path("images");
            if (reported.isArray()) {
              reported.forEach(i -> ids.add(i.asText()));
            }
            if (progress != null) {
              progress.accept(e);
            }
          });
    } catch (StreamException e) {
      String m = e.getMessage();
      if (m.contains("manifest unknown") || m.contains("name unknown") || m.contains("not found")) {
        throw new ImageNotFoundException(m);
      }
      throw e;
    }
    return ids;
  }

  ProgressStream pullStream(String reference, PullOptions options) {
    ImageReference ref = pullReference(reference, options);
    Platform platform = Platform.parse(options.platform());
    Map<String, String> headers = authHeader(ref, options.auth(), false);
    HttpUrl.Builder url = client.dialect().pullUrl(ref, options, platform);
    return open(url, headers, "pull " + ref.familiar());
  }

  private static ImageReference pullReference(String reference, PullOptions options) {
    ImageReference ref = ImageReference.parse(reference);
    if (options.allTags()) {
      return ref.withoutTagAndDigest();
    }
    if (options.tag() != null && !options.tag().isEmpty()) {
      if (ref.hasDigest()) {
        throw new InvalidArgumentException(
            "invalid pull of '" + reference + "': a digest reference takes no tag");
      }
      if (options.tag().startsWith("sha256:")) {
        return ref.withoutTagAndDigest().withDigest(options.tag());
      }
      return ref.withTag(options.tag());
    }
    return ref.withDefaultTag();
  }

  // ---------------------------------------------------------------------------------- push

  Images.PushResult push(String repository, PushOptions options, Consumer<ProgressEvent> progress) {
    ImageReference ref = pushReference(repository, options);
    String[] digest = new String[1];
    try (ProgressStream s = pushStream(repository, options)) {
      s.drain(
          e -> {
            String d = e.aux().path("Digest").asText(null);
            if (d == null) {
              d = e.raw().path("manifestdigest").asText(null);
            }
            if (d == null && e.status() != null) {
              d = digestIn(e.status());
            }
            if (d != null) {
              digest[0] = d;
            }
            if (progress != null) {
              progress.accept(e);
            }
          });
    }
    String target = options.destination() != null ? options.destination() : ref.familiar();
    return new Images.PushResult(target, digest[0]);
  }

  private static String digestIn(String status) {
    int i = status.indexOf("digest: sha256:");
    if (i < 0) {
      return null;
    }
    String rest = status.substring(i + "digest: ".length());
    return rest.length() >= 71 ? rest.substring(0, 71) : null;
  }

  ProgressStream pushStream(String repository, PushOptions options) {
    ImageReference ref = pushReference(repository, options);
    ImageReference target =
        options.destination() != null ? ImageReference.parse(options.destination()) : ref;
    Map<String, String> headers = authHeader(target, options.auth(), true);
    HttpUrl.Builder url = client.dialect().pushUrl(ref, target, options);
    return open(url, headers, "push " + target.familiar());
  }

  private static ImageReference pushReference(String repository, PushOptions options) {
    ImageReference ref = ImageReference.parse(repository);
    if (ref.hasDigest()) {
      throw new InvalidArgumentException(
          "invalid push of '" + repository + "': push a tag, not a digest");
    }
    if (options.tag() != null && !options.tag().isEmpty()) {
      return ref.withTag(options.tag());
    }
    return ref.withDefaultTag();
  }

  /** POSTs to {@code url} on the stream client and returns the progress stream. */
  private ProgressStream open(HttpUrl.Builder url, Map<String, String> headers, String what) {
    Request request =
        client.transport().request(url.build(), headers).post(Transport.emptyBody()).build();
    okhttp3.Call call = client.transport().newCall(request, true);
    Response response = client.transport().execute(call, Transport.NotFound.IMAGE);
    return new ProgressStream(response, what, call);
  }

  // ------------------------------------------------------------------------ X-Registry-Auth

  /**
   * The header of a pull or push: the call's own credentials, else the configured ones for the
   * registry; their server address, when unset, is the registry's ({@link
   * RegistryNames#serverAddress}), as for builds and searches.
   */
  private Map<String, String> authHeader(
      ImageReference ref, AuthConfig explicit, boolean required) {
    Optional<AuthConfig> auth =
        explicit != null ? Optional.of(explicit) : client.credentials().forRegistry(ref.domain());
    if (auth.isPresent()) {
      return Map.of("X-Registry-Auth", withServer(auth.get(), ref.domain()).toHeader());
    }
    // Docker's push insists on the header; an empty auth object means "no credentials".
    return required ? Map.of("X-Registry-Auth", "e30=") : Map.of();
  }

  /**
   * The header of a search or registry-data call: {@code auth}, its server address, when unset, the
   * registry's server address ({@link #withServer}).
   */
  static Map<String, String> authHeader(AuthConfig auth, String registry) {
    return auth == null
        ? Map.of()
        : Map.of("X-Registry-Auth", withServer(auth, registry).toHeader());
  }

  /**
   * {@code auth} with its server address set, when unset, to the registry's one server address
   * (Docker Hub, under any of its names, by its v1 address).
   */
  static AuthConfig withServer(AuthConfig a, String registry) {
    return a.serverAddress() == null
        ? a.withServerAddress(RegistryNames.serverAddress(registry))
        : a;
  }
}
