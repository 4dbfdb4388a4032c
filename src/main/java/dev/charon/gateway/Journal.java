package dev.charon.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's durable state: an append-only file of {@link StoredResult}s, one JSON line each.
 * One writer thread drains every waiting result, writes them in one go and fsyncs once (group
 * commit), and only then hands them to the book and completes their futures: a response is never
 * sent for a result a crash could lose. A kill mid-write leaves at most an unterminated last line,
 * which the next start cuts off.
 */
final class Journal implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Journal.class);
  private static final int MAX_BATCH = 8192;

  private record Entry(JournalEntry result, CompletableFuture<JournalEntry> done) {}

  private static final Entry STOP = new Entry(null, null);

  private final Path path;
  private final FileChannel channel;
  private final ObjectMapper json;
  private final Consumer<JournalEntry> onDurable;
  private final BlockingQueue<Entry> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private final long replayed;
  private long nextChargeSeq;
  private long nextRefundSeq;
  private long nextDisputeSeq;
  private volatile IOException failure;
  private volatile boolean closed;

  private Journal(
      Path path,
      FileChannel channel,
      ObjectMapper json,
      Consumer<JournalEntry> onDurable,
      JournalReplay replay) {
    this.path = path;
    this.channel = channel;
    this.json = json;
    this.onDurable = onDurable;
    this.replayed = replay.count();
    this.nextChargeSeq = replay.lastChargeSeq() + 1;
    this.nextRefundSeq = replay.lastRefundSeq() + 1;
    this.nextDisputeSeq = replay.lastDisputeSeq() + 1;
    this.writer = Thread.ofPlatform().name("gateway-journal").start(this::writeLoop);
  }

  /** Opens (or, with {@code reset}, empties) the journal and replays it into {@code apply}. */
  static Journal open(Path path, boolean reset, ObjectMapper json, Consumer<JournalEntry> apply)
      throws IOException {
    var parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    var channel =
        FileChannel.open(
            path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      if (lock(channel)) {
        if (reset) {
          channel.truncate(0);
        }
        var replay = new JournalReplay(path, json, apply);
        long valid =
            replay.run(
                new BufferedReader(
                    new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8),
                    1 << 16),
                channel.size() > 0 && lastByte(channel) != '\n');
        if (valid < channel.size()) {
          log.warn(
              "journal {}: ignoring a torn last line ({} bytes)", path, channel.size() - valid);
          channel.truncate(valid);
        }
        channel.force(true);
        channel.position(valid);
        return new Journal(path, channel, json, apply, replay);
      }
      throw new IOException("journal " + path + " is in use by another gateway process");
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Completes once the entry is on disk and applied, with its sequence number set; fails if the
   * journal cannot write.
   */
  @SuppressWarnings("unchecked") // the writer completes each future with its own entry's type
  <T extends JournalEntry> CompletableFuture<T> append(T result) {
    var done = new CompletableFuture<JournalEntry>();
    if (closed || failure != null) {
      done.completeExceptionally(failure != null ? failure : new IOException("journal is closed"));
    } else {
      queue.add(new Entry(result, done));
    }
    return (CompletableFuture<T>) (CompletableFuture<?>) done;
  }

  Path path() {
    return path;
  }

  long replayed() {
    return replayed;
  }

  boolean healthy() {
    return failure == null && !closed;
  }

  private void writeLoop() {
    var batch = new ArrayList<Entry>();
    var buffer = new ByteArrayOutputStream(1 << 16);
    boolean stop = false;
    while (!stop) {
      batch.clear();
      buffer.reset();
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        break;
      }
      queue.drainTo(batch, MAX_BATCH - 1);
      stop = batch.remove(STOP);
      var results = new ArrayList<JournalEntry>(batch.size());
      for (var entry : batch) {
        var result = sequenced(entry.result());
        results.add(result);
        try {
          buffer.write(json.writeValueAsBytes(result));
        } catch (IOException e) {
          throw new UncheckedIOException(e); // a record always serializes
        }
        buffer.write('\n');
      }
      if (failure == null && !results.isEmpty()) {
        try {
          var bytes = ByteBuffer.wrap(buffer.toByteArray());
          while (bytes.hasRemaining()) {
            channel.write(bytes);
          }
          channel.force(false);
        } catch (IOException e) {
          log.error("journal {} failed; refusing further charges", path, e);
          failure = e;
        }
      }
      for (int i = 0; i < batch.size(); i++) {
        if (failure != null) {
          batch.get(i).done().completeExceptionally(failure);
        } else {
          try {
            onDurable.accept(results.get(i));
          } catch (RuntimeException e) {
            log.error("applying durable result {} failed", results.get(i).key(), e);
          }
          batch.get(i).done().complete(results.get(i));
        }
      }
    }
    // Appends that raced with close: fail them rather than leave their requests hanging.
    for (Entry left; (left = queue.poll()) != null; ) {
      if (left != STOP) {
        left.done().completeExceptionally(new IOException("journal is closed"));
      }
    }
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    queue.add(STOP);
    try {
      writer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    channel.close();
  }

  /** Numbers what the ledgers list: successful charges, successful refunds, dispute changes. */
  private JournalEntry sequenced(JournalEntry entry) {
    return switch (entry) {
      case StoredResult r -> r.charged() ? r.withChargeSeq(nextChargeSeq++) : r;
      case RefundResult r -> r.refunded() ? r.withRefundSeq(nextRefundSeq++) : r;
      case DisputeChange d -> d.withDisputeSeq(nextDisputeSeq++);
    };
  }

  private static boolean lock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock() != null;
    } catch (OverlappingFileLockException e) {
      return false;
    }
  }

  private static int lastByte(FileChannel channel) throws IOException {
    var one = ByteBuffer.allocate(1);
    channel.read(one, channel.size() - 1);
    return one.get(0);
  }
}
