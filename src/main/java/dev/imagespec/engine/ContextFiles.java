package dev.imagespec.engine;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Lists what of a context directory goes into its tar, as the docker CLI does: in lexical order,
 * skipping what {@code .dockerignore} excludes, and not descending into an excluded directory
 * unless a {@code !} pattern may re-include something below it. Fails here, before any call, on
 * anything unreadable. Files are only listed; {@link ContextTar} reads them as it sends them.
 */
final class ContextFiles {
  private ContextFiles() {}

  enum Type {
    FILE,
    DIRECTORY,
    SYMLINK
  }

  /**
   * One entry of a directory context: its name in the tar (directories end with {@code /}), where
   * to read it, its permission bits, mtime in seconds, size (files) and link target (symlinks).
   */
  record Entry(String name, Path path, Type type, int mode, long mtime, long size, String link) {}

  /** The entries of {@code root} that {@code ignore} lets through. */
  static List<Entry> list(Path root, DockerIgnore ignore) {
    List<Entry> out = new ArrayList<>();
    walk(root, "", ignore, out);
    return out;
  }

  private static void walk(Path dir, String prefix, DockerIgnore ignore, List<Entry> out) {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      ds.forEach(children::add);
    } catch (IOException e) {
      throw new InvalidArgumentException(
          "cannot read build context directory " + dir + ": " + e.getMessage());
    }
    children.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
    for (Path child : children) {
      String name = prefix + child.getFileName().toString();
      BasicFileAttributes attrs;
      try {
        attrs = Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (IOException e) {
        throw new InvalidArgumentException(
            "cannot read build context file " + child + ": " + e.getMessage());
      }
      boolean excluded = ignore.excludes(name);
      if (excluded && !attrs.isDirectory()) {
        continue;
      }
      long mtime = attrs.lastModifiedTime().toInstant().getEpochSecond();
      int mode = mode(child, attrs);
      if (attrs.isDirectory()) {
        if (excluded && (!ignore.hasExclusions() || !ignore.mayReinclude(name))) {
          continue;
        }
        if (!excluded) {
          out.add(new Entry(name + "/", child, Type.DIRECTORY, mode, mtime, 0, null));
        }
        walk(child, name + "/", ignore, out);
      } else if (attrs.isSymbolicLink()) {
        try {
          String target = Files.readSymbolicLink(child).toString();
          out.add(new Entry(name, child, Type.SYMLINK, 0777, mtime, 0, target));
        } catch (IOException e) {
          throw new InvalidArgumentException(
              "cannot read build context link " + child + ": " + e.getMessage());
        }
      } else if (attrs.isRegularFile()) {
        if (!Files.isReadable(child)) {
          throw new InvalidArgumentException(
              "cannot read build context file " + child + ": permission denied");
        }
        out.add(new Entry(name, child, Type.FILE, mode, mtime, attrs.size(), null));
      }
      // sockets, pipes and devices are left out, as Docker leaves sockets out
    }
  }

  private static int mode(Path p, BasicFileAttributes attrs) {
    try {
      PosixFileAttributes posix =
          Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return bits(posix.permissions());
    } catch (IOException | UnsupportedOperationException e) {
      return attrs.isDirectory() ? 0755 : 0644;
    }
  }

  private static int bits(Set<PosixFilePermission> perms) {
    int m = 0;
    for (PosixFilePermission p : perms) {
      m |=
          switch (p) {
            case OWNER_READ -> 0400;
            case OWNER_WRITE -> 0200;
            case OWNER_EXECUTE -> 0100;
            case GROUP_READ -> 040;
            case GROUP_WRITE -> 020;
            case GROUP_EXECUTE -> 010;
            case OTHERS_READ -> 04;
            case OTHERS_WRITE -> 02;
            case OTHERS_EXECUTE -> 01;
          };
    }
    return m;
  }
}
