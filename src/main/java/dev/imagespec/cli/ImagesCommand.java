package dev.imagespec.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code imagespec images ...}: the engine client's image operations, one class per subcommand
 * (each an {@link ImagesSubcommand} but {@code save}, whose {@code -o} is a file, and {@code copy},
 * which needs no engine).
 */
@Command(
    name = "images",
    mixinStandardHelpOptions = true,
    description = "Work with the images of one engine (Docker or Podman).",
    subcommands = {
      ImagesLsCommand.class,
      ImagesInspectCommand.class,
      ImagesHistoryCommand.class,
      ImagesExistsCommand.class,
      ImagesPullCommand.class,
      ImagesPushCommand.class,
      ImagesTagCommand.class,
      ImagesRmCommand.class,
      ImagesPruneCommand.class,
      ImagesPruneBuildsCommand.class,
      ImagesBuildCommand.class,
      ImagesSaveCommand.class,
      ImagesLoadCommand.class,
      ImagesImportCommand.class,
      ImagesSearchCommand.class,
      ImagesRegistryDataCommand.class,
      ImagesScpCommand.class,
      ImagesCopyCommand.class,
      CommandLine.HelpCommand.class
    })
final class ImagesCommand {}
