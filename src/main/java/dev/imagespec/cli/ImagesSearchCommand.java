package dev.imagespec.cli;

import dev.imagespec.engine.Images;
import dev.imagespec.engine.SearchOptions;
import dev.imagespec.engine.SearchResult;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imagespec images search TERM}. */
@Command(
    name = "search",
    mixinStandardHelpOptions = true,
    description = {
      "Search a registry. Podman: 'host:port/term' searches that registry's catalog. Docker searches"
          + " the index's search API (Docker Hub), which plain registries do not offer."
    })
final class ImagesSearchCommand extends ImagesSubcommand {
  @Parameters(paramLabel = "TERM")
  String term;

  @Option(names = "--limit", paramLabel = "N", description = "At most N results.")
  Integer limit;

  @Option(
      names = {"-f", "--filter"},
      paramLabel = "KEY=VALUE",
      description = "is-official=true|false, is-automated=true|false, stars=N.")
  List<String> filters = new ArrayList<>();

  @Option(names = "--list-tags", description = "Podman only: list the repository's tags.")
  boolean listTags;

  @Option(names = "--no-trunc", description = "Do not shorten descriptions.")
  boolean noTrunc;

  @Option(
      names = "--tls-verify",
      arity = "1",
      paramLabel = "BOOL",
      description = "Podman only: require HTTPS and verify certificates.")
  Boolean tlsVerify;

  @Mixin CredsOption creds;

  private SearchOptions options() {
    SearchOptions.Builder b =
        SearchOptions.builder().listTags(listTags).tlsVerify(tlsVerify).auth(creds.auth());
    if (limit != null) {
      b.limit(limit);
    }
    if (noTrunc) {
      b.noTrunc(true);
    }
    KeyValues.parse(filters, "--filter").forEach(b::filter);
    return b.build();
  }

  @Override
  void validate() {
    if (term.isBlank()) {
      throw new CliUsageException("search term must not be empty");
    }
    options();
  }

  @Override
  Integer run(Images images) {
    List<SearchResult> results = images.search(term, options());
    if (output.json()) {
      output.print(out(), results);
      return ExitCodes.OK;
    }
    if (listTags) {
      Table t = new Table("NAME", "TAG");
      results.forEach(r -> t.row(r.name(), r.tag()));
      t.print(out());
      return ExitCodes.OK;
    }
    Table t = new Table("NAME", "DESCRIPTION", "STARS", "OFFICIAL", "AUTOMATED");
    for (SearchResult r : results) {
      String d = r.description().replaceAll("\\s+", " ");
      if (!noTrunc && d.length() > 45) {
        d = d.substring(0, 44) + "…";
      }
      t.row(r.name(), d, r.stars(), r.official() ? "[OK]" : "", r.automated() ? "[OK]" : "");
    }
    t.print(out());
    return ExitCodes.OK;
  }
}
