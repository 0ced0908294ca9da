package dev.imagespec.cli;

/** The CLI's exit codes. */
final class ExitCodes {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  private ExitCodes() {}
}
