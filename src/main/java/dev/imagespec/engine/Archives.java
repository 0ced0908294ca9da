package dev.imagespec.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/** Tarballs in and out of the engine: import (root filesystems), save and load (images). */
final class Archives {
  private static final Pattern FULL_ID = Pattern.compile("(sha256:)?[0-9a-f]{64}");
  private static final Pattern ARCHIVE_ERROR =
      Pattern.compile(
          "(?i).*(tar|archive|manifest|payload does not match|unexpected EOF|gzip|invalid|"
              + "no such file|not a directory|json|format).*",
          Pattern.DOTALL);

  private final EngineClient client;
  private final Images images;

  Archives(EngineClient client, Images images) {
    this.client = client;
    this.images = images;
  }

  // --------------------------------------------------------------------------------- import

  Image importImage(okhttp3.RequestBody body, ImportOptions options) {
    return doImport(body, null, options);
  }

  Image importImage(Path tarball, ImportOptions options) {
    try (InputStream in = Files.newInputStream(tarball)) {
      return importImage(new Images.StreamBody(in), options);
    } catch (NoSuchFileException e) {
      throw new InvalidArgumentException("import: no such file " + tarball);
    } catch (IOException e) {
      throw new InvalidArgumentException("import: cannot read " + tarball + ": " + e.getMessage());
    }
  }

  Image importImageFromUrl(String url, ImportOptions options) {
    HttpUrl parsed = url == null ? null : HttpUrl.parse(url);
    if (parsed == null) {
      throw new InvalidArgumentException(
          "import: '" + url + "' is not an http or https URL the engine can fetch");
    }
    return doImport(Transport.emptyBody(), url, options);
  }

  /** A build of {@code FROM image} followed by the options' changes. */
  Image importImageFromImage(String image, ImportOptions options) {
    Images.checkName(image);
    StringBuilder dockerfile = new StringBuilder("FROM ").append(image).append('\n');
    for (String change : options.changes()) {
      if (change.contains("\n") || change.contains("\r")) {
        throw new InvalidArgumentException(
            "import: a change must be one Dockerfile instruction: '" + change + "'");
      }
      if (change.strip().toUpperCase(java.util.Locale.ROOT).startsWith("FROM")) {
        throw new InvalidArgumentException("import: FROM is not a change: '" + change + "'");
      }
      dockerfile.append(change).append('\n');
    }
    if (options.message() != null) {
      throw new UnsupportedOperationException(
          "import from an image: 'message' (a history comment) cannot be set by a build");
    }
    BuildOptions.Builder b = BuildOptions.builder().platform(options.platform());
    if (options.repository() != null) {
      b.tag(options.repository() + (options.tag() == null ? "" : ":" + options.tag()));
    }
    return images.build(BuildContext.dockerfile(dockerfile.toString()), b.build()).image();
  }

  private Image doImport(okhttp3.RequestBody body, String fromUrl, ImportOptions options) {
    ImageReference target = null;
    if (options.repository() != null) {
      target =
          ImageReference.parse(
                  options.repository() + (options.tag() == null ? "" : ":" + options.tag()))
              .withDefaultTag();
      if (target.hasDigest()) {
        throw new InvalidArgumentException(
            "import: repository '" + options.repository() + "' must not contain a digest");
      }
    }
    HttpUrl.Builder url = client.dialect().importUrl(target, fromUrl);
    for (String change : options.changes()) {
      url.addQueryParameter("changes", change);
    }
    Params.param(url, "message", options.message());
    if (options.platform() != null) {
      Platform.parse(options.platform());
      url.addQueryParameter("platform", options.platform());
    }
    Request request = client.transport().request(url.build(), null).post(body).build();
    Response response = client.transport().execute(request, true, Transport.NotFound.OTHER);
    String[] id = new String[1];
    try (ProgressStream s = new ProgressStream(response, "import")) {
      s.drain(
          e -> {
            String status = e.status();
            if (status != null && FULL_ID.matcher(status).matches()) {
              id[0] = status;
            }
            if (e.stream() != null && FULL_ID.matcher(e.stream().strip()).matches()) {
              id[0] = e.stream().strip();
            }
            if (e.raw().hasNonNull("Id")) {
              id[0] = e.raw().get("Id").asText();
            }
          });
    }
    if (id[0] != null) {
      return images.get(id[0]);
    }
    if (target != null) {
      return images.get(target.canonical());
    }
    throw new StreamException("import: the engine did not report the new image's ID");
  }

  // ----------------------------------------------------------------------------------- save

  ImageArchive save(List<String> names, SaveOptions options) {
    if (names == null || names.isEmpty()) {
      throw new InvalidArgumentException("save: name at least one image");
    }
    names.forEach(Images::checkName);
    List<String> resolved = saveNames(names, options);
    Request request = client.get(client.dialect().saveUrl(resolved));
    okhttp3.Call call = client.transport().newCall(request, true);
    Response response;
    try {
      response = client.transport().execute(call, Transport.NotFound.IMAGE);
    } catch (ApiException e) {
      if (!(e instanceof ImageNotFoundException) && e.getMessage().contains("image not known")) {
        throw new ImageNotFoundException(e.getMessage()); // libpod export answers 400
      }
      throw e;
    }
    return new ImageArchive(response, call, options.chunkSize(), resolved);
  }

  private List<String> saveNames(List<String> names, SaveOptions options) {
    if (options.named() == null) {
      return List.copyOf(names);
    }
    if (options.namedTag() != null && names.size() != 1) {
      throw new InvalidArgumentException("save: a named tag names one image, not " + names.size());
    }
    List<String> out = new ArrayList<>();
    for (String name : names) {
      Image image = images.get(name);
      if (!options.named()) {
        out.add(image.id());
      } else if (options.namedTag() != null) {
        ImageReference wanted = ImageReference.parse(options.namedTag()).withDefaultTag();
        boolean has =
            image.tags().stream()
                .anyMatch(t -> ImageReference.parse(t).withDefaultTag().equals(wanted));
        if (!has) {
          throw new InvalidArgumentException(
              "save: '" + options.namedTag() + "' is not a tag of " + name + " " + image.tags());
        }
        out.add(options.namedTag());
      } else {
        if (image.tags().isEmpty()) {
          throw new InvalidArgumentException("save: " + name + " has no tag to name it by");
        }
        out.add(image.tags().get(0));
      }
    }
    return out;
  }

  // ----------------------------------------------------------------------------------- load

  LoadResult load(InputStream tarball, Consumer<ProgressEvent> progress) {
    List<String> names;
    try {
      names = client.dialect().load(new Images.StreamBody(tarball), progress);
    } catch (StreamException | ApiException e) {
      if (e instanceof ImageNotFoundException || !isArchiveError(e.getMessage())) {
        throw e;
      }
      throw new InvalidArchiveException("load: " + strip(e.getMessage(), "load: "), e);
    }
    if (names.isEmpty()) {
      throw new InvalidArchiveException("load: the engine loaded no image from the archive", null);
    }
    Map<String, Image> loaded = new LinkedHashMap<>();
    for (String n : names) {
      Image i = images.get(n);
      loaded.putIfAbsent(i.id(), i);
    }
    return new LoadResult(names, List.copyOf(loaded.values()));
  }

  LoadResult load(Path tarball) {
    try (InputStream in = Files.newInputStream(tarball)) {
      return load(in, null);
    } catch (NoSuchFileException e) {
      throw new InvalidArgumentException("load: no such file " + tarball);
    } catch (IOException e) {
      throw new InvalidArgumentException("load: cannot read " + tarball + ": " + e.getMessage());
    }
  }

  /** The name or ID in Docker's {@code Loaded image: X} / {@code Loaded image ID: Y} lines. */
  static String loadedName(String line) {
    if (line == null) {
      return null;
    }
    String l = line.strip();
    for (String prefix : List.of("Loaded image ID: ", "Loaded image: ")) {
      if (l.startsWith(prefix)) {
        return l.substring(prefix.length()).strip();
      }
    }
    return null;
  }

  private static boolean isArchiveError(String message) {
    return message != null && ARCHIVE_ERROR.matcher(message).matches();
  }

  private static String strip(String s, String prefix) {
    return s.startsWith(prefix) ? s.substring(prefix.length()) : s;
  }
}
