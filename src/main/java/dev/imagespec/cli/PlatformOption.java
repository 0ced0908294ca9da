package dev.imagespec.cli;

import picocli.CommandLine.Option;

/** {@code --platform OS/ARCH[/VARIANT]}. */
final class PlatformOption {
  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]")
  String platform;
}
