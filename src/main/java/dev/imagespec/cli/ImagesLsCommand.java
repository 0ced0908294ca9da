package dev.imagespec.cli;

import dev.imagespec.engine.Image;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.ListOptions;
import dev.imagespec.reconcile.ByteSizes;
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
