package dev.imagespec.cli;

import dev.imagespec.engine.Image;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.ListOptions;
import dev.imagespec.engine.cri.CriImage;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.reconcile.ByteSizes;
import dev.imagespec.spec.LabelFilter;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imagespec images ls [NAME]}. */
@Command(
    name = "ls",
    aliases = {"list"},
    mixinStandardHelpOptions = true,
    description = "List images.")
final class ImagesLsCommand extends ImagesSubcommand {
  @Parameters(
      arity = "0..1",
      paramLabel = "NAME",
      description = "Only images of this repository/reference.")
  String name;

  @Option(
      names = {"-a", "--all"},
      description = "Include intermediate images.")
  boolean all;

  @Option(
      names = {"-f", "--filter"},
      paramLabel = "KEY=VALUE",
      description =
          "Filter: dangling=true|false, label=KEY[=VALUE], reference=PATTERN, before=IMAGE, since=IMAGE.")
  List<String> filters = new ArrayList<>();

  @Option(names = "--digests", description = "Show digests.")
  boolean digests;

  @Option(
      names = {"-q", "--quiet"},
      description = "Only print image IDs.")
  boolean quiet;

  @Override
  void validate() {
    for (String f : filters) {
      Map.Entry<String, String> kv = KeyValues.entry(f, "--filter");
      switch (kv.getKey()) {
        case "dangling" -> {
          if (!kv.getValue().equals("true") && !kv.getValue().equals("false")) {
            throw new CliUsageException(
                "--filter dangling='" + kv.getValue() + "': expected true or false");
          }
        }
        case "label" -> KeyValues.labelFilter(kv.getValue());
        case "reference", "before", "since" -> {}
        default ->
            throw new CliUsageException(
                "--filter '"
                    + kv.getKey()
                    + "': unknown filter (dangling, label, reference, before, since)");
      }
    }
    if (name != null) {
      ImageReference.parse(name);
    }
  }

  @Override
  Integer run(Images images) {
    ListOptions.Builder b = ListOptions.builder().name(name).all(all).digests(digests);
    for (String f : filters) {
      Map.Entry<String, String> kv = KeyValues.entry(f, "--filter");
      String key = kv.getKey();
      String value = kv.getValue();
      switch (key) {
        case "dangling" -> {
          if (!value.equals("true") && !value.equals("false")) {
            throw new CliUsageException(
                "--filter dangling='" + value + "': expected true or false");
          }
          b.dangling(Boolean.parseBoolean(value));
        }
        case "label", "reference", "before", "since" -> b.filter(key, value);
        default ->
            throw new CliUsageException(
                "--filter '"
                    + key
                    + "': unknown filter (dangling, label, reference, before, since)");
      }
    }
    List<Image> list = images.list(b.build());
    if (quiet) {
      list.stream().map(Image::id).distinct().forEach(out()::println);
      out().flush();
    } else {
      print(out(), list);
    }
    return ExitCodes.OK;
  }

  @Override
  Integer runCri(CriRuntime runtime) {
    List<LabelFilter> labels = new ArrayList<>();
    Boolean dangling = null;
    for (String f : filters) {
      Map.Entry<String, String> kv = KeyValues.entry(f, "--filter");
      switch (kv.getKey()) {
        case "dangling" -> dangling = Boolean.parseBoolean(kv.getValue()); // checked in validate
        case "label" -> labels.add(KeyValues.labelFilter(kv.getValue()));
        case "reference", "before", "since" ->
            refuseOnCri(
                true,
                "--filter " + kv.getKey(),
                runtime,
                "filter by NAME, dangling= or label= instead");
        default -> {} // validate() refused other keys
      }
    }
    ImageReference wanted = name == null ? null : ImageReference.parse(name);
    List<CriImage> shown = new ArrayList<>();
    for (CriImage i : runtime.list()) {
      if (dangling != null && dangling != i.repoTags().isEmpty()) {
        continue;
      }
      if (!labels.stream().allMatch(l -> l.matches(i.labels()))) {
        continue;
      }
      if (wanted != null && i.repoTags().stream().noneMatch(t -> sameName(wanted, t))) {
        continue;
      }
      shown.add(i);
    }
    if (quiet) {
      shown.stream().map(CriImage::id).distinct().forEach(out()::println);
    } else if (output.json()) {
      output.print(out(), shown.stream().map(CriImageViews::json).toList());
    } else {
      Table t =
          digests
              ? new Table("REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE")
              : new Table("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
      for (CriImage i : shown) {
        String id = ImageColumns.shortId(i.id());
        String created = ImageColumns.ago(i.created());
        String size = ByteSizes.format(i.size());
        List<String> tags = i.repoTags().isEmpty() ? List.of("<none>:<none>") : i.repoTags();
        for (String tag : tags) {
          int colon = tag.lastIndexOf(':');
          String repo = tag.substring(0, colon);
          String digest =
              i.repoDigests().stream()
                  .filter(d -> d.startsWith(repo + "@"))
                  .map(d -> d.substring(d.indexOf('@') + 1))
                  .findFirst()
                  .orElse("<none>");
          if (digests) {
            t.row(repo, tag.substring(colon + 1), digest, id, created, size);
          } else {
            t.row(repo, tag.substring(colon + 1), id, created, size);
          }
        }
      }
      t.print(out());
    }
    out().flush();
    return ExitCodes.OK;
  }

  /** NAME matches a tag by repository, and by tag too when NAME has one. */
  private static boolean sameName(ImageReference wanted, String tag) {
    ImageReference r;
    try {
      r = ImageReference.parse(tag);
    } catch (RuntimeException e) {
      return false;
    }
    return r.repository().equals(wanted.repository())
        && (wanted.tag().isEmpty() || wanted.tag().equals(r.tag()));
  }

  /** One row per tag (REPOSITORY, TAG, IMAGE ID, CREATED, SIZE), or the images' JSON. */
  private void print(PrintWriter out, List<Image> images) {
    if (output.json()) {
      output.print(out, images.stream().map(Image::attrs).toList());
      return;
    }
    Table t = new Table("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
    for (Image i : images) {
      String id = ImageColumns.shortId(i.id());
      String created = ImageColumns.ago(i.created());
      String size = ByteSizes.format(i.size());
      if (i.tags().isEmpty()) {
        t.row("<none>", "<none>", id, created, size);
      }
      for (String tag : i.tags()) {
        int colon = tag.lastIndexOf(':');
        boolean hasTag = colon > tag.lastIndexOf('/');
        t.row(
            hasTag ? tag.substring(0, colon) : tag,
            hasTag ? tag.substring(colon + 1) : "<none>",
            id,
            created,
            size);
      }
    }
    t.print(out);
  }
}
