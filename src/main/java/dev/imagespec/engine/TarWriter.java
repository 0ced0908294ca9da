package dev.imagespec.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import okio.BufferedSink;

/**
 * Writes a POSIX tar stream (ustar headers, PAX extended headers for long or non-ASCII names and
 * sizes past 8 GiB) straight into a sink, entry by entry: file contents are copied from their
 * stream, never held whole. Enough for build contexts; owner and group are always 0, as the docker
 * CLI sends them.
 */
final class TarWriter {
  static final int BLOCK = 512;
  private static final long MAX_OCTAL_SIZE = 077777777777L;
  private final BufferedSink sink;
  private int paxCount;

  TarWriter(BufferedSink sink) {
    this.sink = sink;
  }

  /** A directory entry; {@code name} without or with a trailing {@code /}. */
  void directory(String name, int mode, long mtimeSeconds) throws IOException {
    header(name.endsWith("/") ? name : name + "/", '5', 0, mode, mtimeSeconds, null);
  }

  /** A symbolic link to {@code target}. */
  void symlink(String name, String target, long mtimeSeconds) throws IOException {
    header(name, '2', 0, 0777, mtimeSeconds, target);
  }

  /** A regular file of {@code size} bytes copied from {@code content}. */
  void file(String name, int mode, long mtimeSeconds, long size, InputStream content)
      throws IOException {
    header(name, '0', size, mode, mtimeSeconds, null);
    byte[] buf = new byte[64 * 1024];
    long left = size;
    while (left > 0) {
      int n = content.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        throw new SourceChangedException(name + " shrank while it was being sent");
      }
      sink.write(buf, 0, n);
      left -= n;
    }
    pad(size);
  }

  /** Only the header of a regular file; the caller writes its content and padding. */
  void fileHeader(String name, int mode, long mtimeSeconds, long size) throws IOException {
    header(name, '0', size, mode, mtimeSeconds, null);
  }

  /** A regular file with the given bytes. */
  void file(String name, int mode, long mtimeSeconds, byte[] content) throws IOException {
    header(name, '0', content.length, mode, mtimeSeconds, null);
    sink.write(content);
    pad(content.length);
  }

  /** The end-of-archive marker: two zero blocks. */
  void finish() throws IOException {
    sink.write(new byte[2 * BLOCK]);
  }

  private void pad(long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) {
      sink.write(new byte[BLOCK - rest]);
    }
  }

  private void header(
      String name, char type, long size, int mode, long mtimeSeconds, String linkName)
      throws IOException {
    Map<String, String> pax = new LinkedHashMap<>();
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    if (nameBytes.length > 100 || !isAscii(name)) {
      pax.put("path", name);
    }
    if (linkName != null
        && (linkName.getBytes(StandardCharsets.UTF_8).length > 100 || !isAscii(linkName))) {
      pax.put("linkpath", linkName);
    }
    if (size > MAX_OCTAL_SIZE) {
      pax.put("size", Long.toString(size));
    }
    if (!pax.isEmpty()) {
      byte[] records = paxRecords(pax);
      String paxName = "PaxHeaders." + (paxCount++) + "/" + asciiTail(name, 80);
      writeHeader(paxName, 'x', records.length, 0644, mtimeSeconds, null);
      sink.write(records);
      pad(records.length);
    }
    writeHeader(
        pax.containsKey("path") ? asciiTail(name, 100) : name,
        type,
        size > MAX_OCTAL_SIZE ? 0 : size,
        mode,
        mtimeSeconds,
        linkName == null
            ? null
            : pax.containsKey("linkpath") ? asciiTail(linkName, 100) : linkName);
  }

  private void writeHeader(
      String name, char type, long size, int mode, long mtimeSeconds, String linkName)
      throws IOException {
    byte[] h = new byte[BLOCK];
    put(h, 0, 100, name.getBytes(StandardCharsets.UTF_8));
    octal(h, 100, 8, mode & 07777);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, Math.max(0, mtimeSeconds));
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    h[156] = (byte) type;
    if (linkName != null) {
      put(h, 157, 100, linkName.getBytes(StandardCharsets.UTF_8));
    }
    put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
    put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    byte[] chk = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
    put(h, 148, 6, chk);
    h[154] = 0;
    h[155] = ' ';
    sink.write(h);
  }

  static byte[] paxRecords(Map<String, String> records) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, String> e : records.entrySet()) {
      String body = " " + e.getKey() + "=" + e.getValue() + "\n";
      int bodyLen = body.getBytes(StandardCharsets.UTF_8).length;
      int len = bodyLen + Integer.toString(bodyLen).length();
      if (Integer.toString(len).length() != Integer.toString(bodyLen).length()) {
        len = bodyLen + Integer.toString(len).length();
      }
      b.append(len).append(body);
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void put(byte[] h, int offset, int length, byte[] value) {
    System.arraycopy(value, 0, h, offset, Math.min(length, value.length));
  }

  private static void octal(byte[] h, int offset, int length, long value) {
    String s = Long.toOctalString(value);
    String padded = "0".repeat(Math.max(0, length - 1 - s.length())) + s;
    put(h, offset, length - 1, padded.getBytes(StandardCharsets.US_ASCII));
    h[offset + length - 1] = 0;
  }

  /** A file's content ended before the size its header announced. */
  static final class SourceChangedException extends IOException {
    SourceChangedException(String message) {
      super(message);
    }
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0 || c > 126) {
        return false;
      }
    }
    return true;
  }

  /** The last {@code max} characters of {@code s}, non-ASCII ones replaced: a header fallback. */
  private static String asciiTail(String s, int max) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c == 0 || c > 126 ? '_' : c);
    }
    String a = b.toString();
    return a.length() <= max ? a : a.substring(a.length() - max);
  }
}
