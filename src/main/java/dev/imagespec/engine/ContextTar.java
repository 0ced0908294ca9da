package dev.imagespec.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a build context as a POSIX tar stream with Commons Compress, entry by entry: ustar
 * headers, PAX extended headers for long or non-ASCII names and link targets and for sizes past 8
 * GiB. File contents are copied from their stream, never held whole. Owner and group are 0 with
 * empty names, as the docker CLI sends them; modes are permission bits only. Records are 512 bytes
 * with no padding past the end-of-archive marker, so the length of a tar is known from its entries.
 */
final class ContextTar {
  /** A tar record: header blocks and content padding are multiples of it. */
  static final int RECORD = TarConstants.DEFAULT_RCDSIZE;

  private final TarArchiveOutputStream tar;

  /** A tar writing into {@code out}; {@link #finish()} ends the archive but leaves {@code out}. */
  ContextTar(OutputStream out) {
    this.tar = new TarArchiveOutputStream(out, RECORD, StandardCharsets.UTF_8.name());
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
  }

  /** The length of a tar holding one file of {@code size} bytes under a short ASCII name. */
  static long singleFileLength(long size) {
    return RECORD + (size + RECORD - 1) / RECORD * RECORD + 2L * RECORD;
  }

  /** A directory entry; {@code name} without or with a trailing {@code /}. */
  void directory(String name, int mode, long mtimeSeconds) throws IOException {
    tar.putArchiveEntry(
        entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, mode, mtimeSeconds));
    tar.closeArchiveEntry();
  }

  /** A symbolic link to {@code target}. */
  void symlink(String name, String target, long mtimeSeconds) throws IOException {
    TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK, 0777, mtimeSeconds);
    e.setLinkName(target);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  /**
   * A regular file of {@code size} bytes copied from {@code content}.
   *
   * @throws SourceChangedException when {@code content} ends before {@code size} bytes
   */
  void file(String name, int mode, long mtimeSeconds, long size, InputStream content)
      throws IOException {
    TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL, mode, mtimeSeconds);
    e.setSize(size);
    tar.putArchiveEntry(e);
    byte[] buf = new byte[64 * 1024];
    long left = size;
    while (left > 0) {
      int n = content.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        throw new SourceChangedException(name + " shrank while it was being sent");
      }
      tar.write(buf, 0, n);
      left -= n;
    }
    tar.closeArchiveEntry();
  }

  /** A regular file with the given bytes. */
  void file(String name, int mode, long mtimeSeconds, byte[] content) throws IOException {
    TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL, mode, mtimeSeconds);
    e.setSize(content.length);
    tar.putArchiveEntry(e);
    tar.write(content, 0, content.length);
    tar.closeArchiveEntry();
  }

  /** The end-of-archive marker; the underlying stream is flushed, not closed. */
  void finish() throws IOException {
    tar.finish();
    tar.flush();
  }

  private static TarArchiveEntry entry(String name, byte type, int mode, long mtimeSeconds) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setMode(mode & 07777);
    e.setModTime(FileTime.from(Math.max(0, mtimeSeconds), TimeUnit.SECONDS));
    e.setIds(0, 0);
    e.setUserName("");
    e.setGroupName("");
    return e;
  }

  /** A file's content ended before the size its header announced. */
  static final class SourceChangedException extends IOException {
    SourceChangedException(String message) {
      super(message);
    }
  }
}
