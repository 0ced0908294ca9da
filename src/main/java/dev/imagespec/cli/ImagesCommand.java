package dev.imagespec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagespec.engine.ApiException;
import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.BuildPruneReport;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.Image;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.ListOptions;
import dev.imagespec.engine.PruneBuildsOptions;
import dev.imagespec.engine.PruneOptions;
import dev.imagespec.engine.PruneReport;
import dev.imagespec.engine.PullOptions;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.RemoveReport;
import dev.imagespec.reconcile.ByteSizes;
import dev.imagespec.reconcile.ErrorMessages;
import dev.imagespec.reconcile.Ids;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code imagespec images ...}: the engine client's image operations. */
@Command(
    name = "images",
    mixinStandardHelpOptions = true,
    description = "Work with the images of one engine (Docker or Podman).",
    subcommands = {
      ImagesCommand.Ls.class,
      ImagesCommand.Inspect.class,
      ImagesCommand.History.class,
      ImagesCommand.Exists.class,
      ImagesCommand.Pull.class,
      ImagesCommand.Push.class,
      ImagesCommand.Tag.class,
      ImagesCommand.Rm.class,
      ImagesCommand.Prune.class,
      ImagesCommand.PruneBuilds.class,
      ImagesBuildCommand.class,
      ImagesSaveCommand.class,
      ImagesLoadCommand.class,
      ImagesImportCommand.class,
      ImagesSearchCommand.class,
      ImagesRegistryDataCommand.class,
      CommandLine.HelpCommand.class
    })
final class ImagesCommand {

  /** Shared plumbing of the subcommands. */
  abstract static class Base implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin EngineOptions engine;
    @Mixin OutputOptions output;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    @Override
    public Integer call() {
      validate();
      try (EngineClient client = engine.connect()) {
        return run(client.images());
      }
    }

    /** Checks the input before any engine is looked for: bad input exits 2 even without one. */
    void validate() {}

    abstract Integer run(Images images);
  }

  /** {@code --creds USER:PASSWORD}, the call's own registry credentials. */
  static final class CredsOption {
    @Option(
        names = "--creds",
        paramLabel = "USER:PASSWORD",
        description =
            "Registry credentials for this call (else the docker config's for that registry).")
    String creds;

    AuthConfig auth() {
      if (creds == null) {
        return null;
      }
      int colon = creds.indexOf(':');
      if (colon <= 0) {
        throw new CliUsageException("--creds must be USER:PASSWORD");
      }
      return AuthConfig.basic(creds.substring(0, colon), creds.substring(colon + 1));
    }
  }

  static String shortId(String id) {
    if (id == null) {
      return "";
    }
    return Ids.shortId(id);
  }

  static String ago(Instant t) {
    if (t == null) {
      return "";
    }
    Duration d = Duration.between(t, Instant.now());
    if (d.toDays() > 0) {
      return d.toDays() + " days ago";
    }
    if (d.toHours() > 0) {
      return d.toHours() + " hours ago";
    }
    if (d.toMinutes() > 0) {
      return d.toMinutes() + " minutes ago";
    }
    return "less than a minute ago";
  }

  static void printImages(PrintWriter out, List<Image> images, OutputOptions output) {
    if (output.json()) {
      output.print(out, images.stream().map(Image::attrs).toList());
      return;
    }
    Table t = new Table("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
    for (Image i : images) {
      List<String> tags = i.tags();
      if (tags.isEmpty()) {
        t.row("<none>", "<none>", shortId(i.id()), ago(i.created()), ByteSizes.format(i.size()));
      }
      for (String tag : tags) {
        int colon = tag.lastIndexOf(':');
        boolean hasTag = colon > tag.lastIndexOf('/');
        t.row(
            hasTag ? tag.substring(0, colon) : tag,
            hasTag ? tag.substring(colon + 1) : "<none>",
            shortId(i.id()),
            ago(i.created()),
            ByteSizes.format(i.size()));
      }
    }
    t.print(out);
  }

  @Command(
      name = "ls",
      aliases = {"list"},
      mixinStandardHelpOptions = true,
      description = "List images.")
  static final class Ls extends Base {
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
        int eq = f.indexOf('=');
        if (eq <= 0) {
          throw new CliUsageException("--filter '" + f + "': expected KEY=VALUE");
        }
        String key = f.substring(0, eq);
        String value = f.substring(eq + 1);
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
        printImages(out(), list, output);
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "inspect",
      mixinStandardHelpOptions = true,
      description = "Show an image's details (JSON).")
  static final class Inspect extends Base {
    @Parameters(arity = "1..*", paramLabel = "IMAGE")
    List<String> names;

    @Override
    void validate() {
      names.forEach(Images::checkName);
    }

    @Override
    Integer run(Images images) {
      List<JsonNode> docs = new ArrayList<>();
      for (String n : names) {
        docs.add(images.get(n).attrs());
      }
      output.print(out(), docs);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "history",
      mixinStandardHelpOptions = true,
      description = "Show an image's layers.")
  static final class History extends Base {
    @Parameters(paramLabel = "IMAGE")
    String name;

    @Override
    void validate() {
      Images.checkName(name);
    }

    @Override
    Integer run(Images images) {
      List<JsonNode> history = images.history(name);
      if (output.json()) {
        output.print(out(), history);
        return ExitCodes.OK;
      }
      Table t = new Table("IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT");
      for (JsonNode h : history) {
        String by = h.path("CreatedBy").asText("");
        if (by.length() > 60) {
          by = by.substring(0, 57) + "...";
        }
        String id = h.path("Id").asText("<missing>");
        t.row(
            id.startsWith("<") ? id : shortId(id),
            ago(Instant.ofEpochSecond(h.path("Created").asLong())),
            by,
            ByteSizes.format(h.path("Size").asLong()),
            h.path("Comment").asText(""));
      }
      t.print(out());
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "exists",
      mixinStandardHelpOptions = true,
      description = "Exit 0 when the image exists, 1 when it doesn't.")
  static final class Exists extends Base {
    @Parameters(paramLabel = "IMAGE")
    String name;

    @Override
    void validate() {
      Images.checkName(name);
    }

    @Override
    Integer run(Images images) {
      boolean exists = images.exists(name);
      if (output.json()) {
        output.print(out(), Map.of("exists", exists));
      }
      return exists ? ExitCodes.OK : ExitCodes.FAILED;
    }
  }

  @Command(
      name = "pull",
      mixinStandardHelpOptions = true,
      description = "Pull an image (by tag or digest) from its registry.")
  static final class Pull extends Base {
    @Parameters(paramLabel = "IMAGE", description = "[registry/]repo[:tag|@digest]")
    String reference;

    @Option(
        names = {"-a", "--all-tags"},
        description = "Pull every tag of the repository.")
    boolean allTags;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]")
    String platform;

    @Option(
        names = "--tls-verify",
        arity = "1",
        paramLabel = "BOOL",
        description =
            "Podman only: require HTTPS and verify certificates (default: engine's config).")
    Boolean tlsVerify;

    @Option(
        names = {"-q", "--quiet"},
        description = "No progress output.")
    boolean quiet;

    @Mixin CredsOption creds;

    @Override
    void validate() {
      ImageReference.parse(reference);
      creds.auth();
    }

    @Override
    Integer run(Images images) {
      PullOptions options =
          PullOptions.builder()
              .allTags(allTags)
              .platform(platform)
              .auth(creds.auth())
              .tlsVerify(tlsVerify)
              .build();
      ImageReference.parse(reference);
      List<Image> pulled;
      try (ProgressPrinter progress =
          new ProgressPrinter("pull " + reference, !quiet && !output.json())) {
        pulled =
            allTags
                ? images.pullAllTags(reference, options, progress)
                : List.of(images.pull(reference, options, progress));
      }
      if (output.json()) {
        output.print(out(), pulled.stream().map(Image::attrs).toList());
      } else {
        for (Image i : pulled) {
          out().println("Pulled " + String.join(", ", i.tags()) + " " + i.id());
        }
        out().flush();
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "push",
      mixinStandardHelpOptions = true,
      description = "Push an image to its registry.")
  static final class Push extends Base {
    @Parameters(paramLabel = "IMAGE", description = "registry/repo[:tag]")
    String reference;

    @Option(
        names = "--destination",
        paramLabel = "IMAGE",
        description = "Podman only: push to this reference instead, without tagging.")
    String destination;

    @Option(names = "--tls-verify", arity = "1", paramLabel = "BOOL", description = "Podman only.")
    Boolean tlsVerify;

    @Option(
        names = {"-q", "--quiet"},
        description = "No progress output.")
    boolean quiet;

    @Mixin CredsOption creds;

    @Override
    void validate() {
      ImageReference.parse(reference);
      creds.auth();
      if (destination != null) {
        ImageReference.parse(destination);
      }
    }

    @Override
    Integer run(Images images) {
      PushOptions options =
          PushOptions.builder()
              .auth(creds.auth())
              .destination(destination)
              .tlsVerify(tlsVerify)
              .build();
      Images.PushResult result;
      try (ProgressPrinter progress =
          new ProgressPrinter("push " + reference, !quiet && !output.json())) {
        result = images.push(reference, options, progress);
      }
      if (output.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reference", result.reference());
        m.put("digest", result.digest());
        output.print(out(), m);
      } else {
        out()
            .println(
                "Pushed "
                    + result.reference()
                    + (result.digest() == null ? "" : " " + result.digest()));
        out().flush();
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "tag",
      mixinStandardHelpOptions = true,
      description = "Give an image another reference.")
  static final class Tag extends Base {
    @Parameters(index = "0", paramLabel = "SOURCE")
    String source;

    @Parameters(index = "1", paramLabel = "TARGET", description = "repo[:tag]")
    String target;

    @Override
    void validate() {
      Images.checkName(source);
      if (ImageReference.parse(target).hasDigest()) {
        throw new CliUsageException("tag target '" + target + "': a tag cannot contain a digest");
      }
    }

    @Override
    Integer run(Images images) {
      ImageReference ref = ImageReference.parse(target).withDefaultTag();
      images.tag(source, ref.familiarRepository(), ref.tag().orElseThrow(), false);
      if (output.json()) {
        output.print(out(), Map.of("tagged", ref.familiar()));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "rm",
      aliases = {"remove", "rmi"},
      mixinStandardHelpOptions = true,
      description = "Remove images (untag; delete when no tag is left).")
  static final class Rm extends Base {
    @Parameters(arity = "1..*", paramLabel = "IMAGE")
    List<String> names;

    @Option(
        names = {"-f", "--force"},
        description = "Remove even if used by containers or tagged several times.")
    boolean force;

    @Option(
        names = "--no-prune",
        description = "Keep untagged parents (Docker; Podman ignores it).")
    boolean noprune;

    @Override
    void validate() {
      names.forEach(Images::checkName);
    }

    @Override
    Integer run(Images images) {
      List<RemoveReport> reports = new ArrayList<>();
      for (String n : names) {
        try {
          reports.add(images.remove(n, force, noprune));
        } catch (ApiException e) {
          // as docker rmi: report it, go on with the other names, exit 1 at the end
          reports.add(
              new RemoveReport(List.of(), List.of(), List.of(n + ": " + ErrorMessages.of(e)), 1));
        }
      }
      if (output.json()) {
        output.print(out(), reports);
      } else {
        for (RemoveReport r : reports) {
          r.untagged().forEach(u -> out().println("Untagged: " + u));
          r.deleted().forEach(d -> out().println("Deleted: " + d));
          r.errors().forEach(e -> out().println("Error: " + e));
        }
        out().flush();
      }
      return reports.stream().anyMatch(r -> !r.errors().isEmpty())
          ? ExitCodes.FAILED
          : ExitCodes.OK;
    }
  }

  @Command(name = "prune", mixinStandardHelpOptions = true, description = "Remove unused images.")
  static final class Prune extends Base {
    @Option(
        names = {"-a", "--all"},
        description = "Every unused image, not only dangling ones.")
    boolean all;

    @Option(
        names = {"-f", "--filter"},
        paramLabel = "KEY=VALUE",
        description = "until=TIMESTAMP|DURATION, label=KEY[=VALUE], label!=KEY[=VALUE].")
    List<String> filters = new ArrayList<>();

    @Override
    Integer run(Images images) {
      PruneOptions.Builder b = PruneOptions.builder().dangling(!all);
      for (String f : filters) {
        if (f.startsWith("label!=")) {
          b.label("!" + f.substring("label!=".length()));
        } else if (f.startsWith("label=")) {
          b.label(f.substring("label=".length()));
        } else if (f.startsWith("until=")) {
          b.until(f.substring("until=".length()));
        } else {
          throw new CliUsageException("--filter '" + f + "': expected until=, label= or label!=");
        }
      }
      PruneReport r = images.prune(b.build());
      if (output.json()) {
        output.print(out(), r);
      } else {
        for (PruneReport.DeletedItem i : r.imagesDeleted()) {
          out()
              .println(
                  i.untagged() != null ? "Untagged: " + i.untagged() : "Deleted: " + i.deleted());
        }
        out().println("Total reclaimed space: " + ByteSizes.format(r.spaceReclaimed()));
        out().flush();
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "prune-builds",
      mixinStandardHelpOptions = true,
      description = "Remove build cache.")
  static final class PruneBuilds extends Base {
    @Option(
        names = {"-a", "--all"},
        description = "All unused cache, not only dangling.")
    boolean all;

    @Option(names = "--reserved-space", paramLabel = "BYTES")
    Long reservedSpace;

    @Option(names = "--max-used-space", paramLabel = "BYTES")
    Long maxUsedSpace;

    @Option(names = "--min-free-space", paramLabel = "BYTES")
    Long minFreeSpace;

    @Option(
        names = {"-f", "--filter"},
        paramLabel = "KEY=VALUE")
    List<String> filters = new ArrayList<>();

    @Override
    Integer run(Images images) {
      PruneBuildsOptions.Builder b = PruneBuildsOptions.builder();
      if (all) {
        b.all(true);
      }
      if (reservedSpace != null) {
        b.reservedSpace(reservedSpace);
      }
      if (maxUsedSpace != null) {
        b.maxUsedSpace(maxUsedSpace);
      }
      if (minFreeSpace != null) {
        b.minFreeSpace(minFreeSpace);
      }
      for (String f : filters) {
        int eq = f.indexOf('=');
        if (eq <= 0) {
          throw new CliUsageException("--filter '" + f + "': expected KEY=VALUE");
        }
        b.filter(f.substring(0, eq), f.substring(eq + 1));
      }
      BuildPruneReport r = images.pruneBuilds(b.build());
      if (output.json()) {
        output.print(out(), r);
      } else {
        r.cachesDeleted().forEach(c -> out().println("Deleted: " + c));
        out().println("Total reclaimed space: " + ByteSizes.format(r.spaceReclaimed()));
        out().flush();
      }
      return ExitCodes.OK;
    }
  }
}
