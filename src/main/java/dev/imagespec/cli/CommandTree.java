package dev.imagespec.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command tree, built only as far as a command line needs it.
 *
 * <p>picocli reads every option of every command it is given, and makes each command object (whose
 * fields pull in logging, Jackson and the reconciler): for the whole tree that was most of the
 * start-up of {@code imagespec images ls}. So the tree is built lazily: a command line that names
 * {@code images ls} gets the root, {@code images} and {@code ls} only. Whatever needs the whole
 * tree gets it: no subcommand, an unknown one (for picocli's suggestions), {@code help} and {@code
 * completion}.
 */
final class CommandTree {
  /** The root's subcommands, in the order {@code --help} lists them. */
  static final List<Class<?>> TOP =
      List.of(
          ApplyCommand.class,
          PlanCommand.class,
          ImagesCommand.class,
          OperatorCommand.class,
          CompletionCommand.class);

  /** {@code images}' subcommands, in the order {@code images --help} lists them. */
  static final List<Class<?>> IMAGES =
      List.of(
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
          ImagesCopyCommand.class);

  private CommandTree() {}

  /** The whole tree. */
  static CommandLine full() {
    return build(new String[0], true);
  }

  /** The tree as far as {@code args} reach into it. */
  static CommandLine forArgs(String... args) {
    return build(args, false);
  }

  private static CommandLine build(String[] args, boolean whole) {
    CommandLine root = new CommandLine(new Main());
    List<String> words = words(args);
    if (!whole && words.isEmpty() && onlyVersion(args)) {
      return root; // --version needs no subcommand
    }
    if (helpBeforeFirstWord(args)) {
      whole = true; // imagespec --help images: the root's help lists every command
    }
    Class<?> top = whole ? null : named(TOP, words, 0);
    for (Class<?> c : TOP) {
      if (top != null && c != top) {
        continue;
      }
      if (c == ImagesCommand.class) {
        root.addSubcommand(images(whole ? null : named(IMAGES, words, 1)));
      } else {
        root.addSubcommand(c);
      }
    }
    if (top == null) {
      root.addSubcommand(new CommandLine.HelpCommand());
    }
    return root;
  }

  private static CommandLine images(Class<?> only) {
    CommandLine images = new CommandLine(ImagesCommand.class);
    for (Class<?> c : IMAGES) {
      if (only == null || c == only) {
        images.addSubcommand(c);
      }
    }
    if (only == null) {
      images.addSubcommand(new CommandLine.HelpCommand());
    }
    return images;
  }

  /**
   * The command among {@code candidates} that the {@code index}-th word names, or null when that
   * word is missing, unknown or needs the whole tree ({@code help}, {@code completion}).
   */
  private static Class<?> named(List<Class<?>> candidates, List<String> words, int index) {
    if (words.size() <= index) {
      return null;
    }
    if (index == 1 && !words.get(0).equals("images")) {
      return null; // only images' subcommands are looked up at the second level
    }
    String word = words.get(index);
    for (Class<?> c : candidates) {
      Command command = c.getAnnotation(Command.class);
      if (command.name().equals(word) || Arrays.asList(command.aliases()).contains(word)) {
        return c == CompletionCommand.class ? null : c;
      }
    }
    return null;
  }

  /**
   * The words that may name subcommands: the arguments up to the first option that is not one of
   * the root's and {@code images}' own flags (all of which take no value).
   */
  private static List<String> words(String[] args) {
    List<String> words = new ArrayList<>();
    for (String a : args) {
      if (a.startsWith("-")) {
        if (!ROOT_FLAGS.contains(a)) {
          break;
        }
      } else {
        words.add(a);
        if (words.size() == 2) {
          break;
        }
      }
    }
    return words;
  }

  private static boolean helpBeforeFirstWord(String[] args) {
    for (String a : args) {
      if (a.equals("-h") || a.equals("--help")) {
        return true;
      }
      if (!a.startsWith("-")) {
        return false;
      }
    }
    return false;
  }

  private static boolean onlyVersion(String[] args) {
    return Arrays.stream(args).allMatch(ROOT_FLAGS::contains)
        && Arrays.stream(args).anyMatch(a -> a.equals("-V") || a.equals("--version"))
        && Arrays.stream(args).noneMatch(a -> a.equals("-h") || a.equals("--help"));
  }

  private static final List<String> ROOT_FLAGS =
      List.of("-v", "--verbose", "--debug", "-h", "--help", "-V", "--version");
}
