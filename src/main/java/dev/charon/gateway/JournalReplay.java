package dev.charon.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Reads a journal back at start and says how many bytes of it are whole lines to keep. */
final class JournalReplay {
  private final Path path;
  private final ObjectMapper json;
  private final Consumer<JournalEntry> apply;
  private long count;
  private long lastChargeSeq;
  private long lastRefundSeq;
  private long lastDisputeSeq;

  JournalReplay(Path path, ObjectMapper json, Consumer<JournalEntry> apply) {
    this.path = path;
    this.json = json;
    this.apply = apply;
  }

  /**
   * Returns the length of the valid prefix. Only the last line may be bad, and only because a kill
   * cut its write short: a bad line anywhere else is corruption and stops the gateway.
   */
  long run(BufferedReader reader, boolean lastLineUnterminated) throws IOException {
    long valid = 0;
    long lineNumber = 0;
    String line = reader.readLine();
    while (line != null) {
      lineNumber++;
      String next = reader.readLine();
      boolean last = next == null;
      if (last && lastLineUnterminated) {
        break; // each record is written with its newline, so an unterminated line is torn
      }
      if (!line.isBlank()) {
        JournalEntry result;
        try {
          result = json.readValue(line, JournalEntry.class);
        } catch (JsonProcessingException e) {
          if (last) {
            break;
          }
          throw new IOException(
              "journal "
                  + path
                  + " is corrupt at line "
                  + lineNumber
                  + ": "
                  + e.getOriginalMessage());
        }
        checkSequence(result, lineNumber);
        apply.accept(result);
        count++;
      }
      valid += line.getBytes(StandardCharsets.UTF_8).length + 1;
      line = next;
    }
    return valid;
  }

  /** Each ledger's numbers follow each other without a gap, or the journal is corrupt. */
  private void checkSequence(JournalEntry entry, long lineNumber) throws IOException {
    switch (entry) {
      case StoredResult r when r.charged() ->
          lastChargeSeq = next("chargeSeq", r.chargeSeq(), lastChargeSeq, lineNumber);
      case RefundResult r when r.refunded() ->
          lastRefundSeq = next("refundSeq", r.refundSeq(), lastRefundSeq, lineNumber);
      case DisputeChange d ->
          lastDisputeSeq = next("disputeSeq", d.disputeSeq(), lastDisputeSeq, lineNumber);
      default -> {}
    }
  }

  private long next(String name, long seq, long last, long lineNumber) throws IOException {
    if (seq != last + 1) {
      throw new IOException(
          "journal " + path + " line " + lineNumber + ": " + name + " " + seq + " follows " + last);
    }
    return seq;
  }

  long lastRefundSeq() {
    return lastRefundSeq;
  }

  long lastDisputeSeq() {
    return lastDisputeSeq;
  }

  long count() {
    return count;
  }

  long lastChargeSeq() {
    return lastChargeSeq;
  }
}
