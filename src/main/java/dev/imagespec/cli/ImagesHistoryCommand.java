package dev.imagespec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagespec.engine.Images;
import dev.imagespec.reconcile.ByteSizes;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code imagespec images history IMAGE}. */
@Command(name = "history", mixinStandardHelpOptions = true, description = "Show an image's layers.")
final class ImagesHistoryCommand extends ImagesSubcommand {
  @Mixin ImageArgs.One image;

  @Override
  Integer run(Images images) {
    List<JsonNode> history = images.history(image.name);
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
          id.startsWith("<") ? id : ImageColumns.shortId(id),
          ImageColumns.ago(Instant.ofEpochSecond(h.path("Created").asLong())),
          by,
          ByteSizes.format(h.path("Size").asLong()),
          h.path("Comment").asText(""));
    }
    t.print(out());
    return ExitCodes.OK;
  }
}
