package dev.imagespec.cli;

import picocli.CommandLine.Command;

/**
 * {@code imagespec images ...}: the engine client's image operations, one class per subcommand
 * (each an {@link ImagesSubcommand} but {@code save}, whose {@code -o} is a file, and {@code copy},
 * which needs no engine). {@link CommandTree} adds them.
 */
@Command(
    name = "images",
    mixinStandardHelpOptions = true,
    description = "Work with the images of one engine (Docker or Podman).")
final class ImagesCommand {}
