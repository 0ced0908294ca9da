package dev.imagespec.cli;

/** Invalid input found by the CLI itself (exit code 2, before any engine call). */
final class CliUsageException extends RuntimeException {
  CliUsageException(String message) {
    super(message);
  }
}
