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
  private final Consumer<StoredResult> apply;
  private long count;
  private long lastChargeSeq;

  JournalReplay(Path path, ObjectMapper json, Consumer<StoredResult> apply) {
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
        StoredResult result;
        try {
          result = json.readValue(line, StoredResult.class);
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
        if (result.charged() && result.chargeSeq() != lastChargeSeq + 1) {
          throw new IOException(
              "journal "
                  + path
                  + " line "
                  + lineNumber
                  + ": chargeSeq "
                  + result.chargeSeq()
                  + " follows "
                  + lastChargeSeq);
        }
        lastChargeSeq = result.charged() ? result.chargeSeq() : lastChargeSeq;
        apply.accept(result);
        count++;
      }
      valid += line.getBytes(StandardCharsets.UTF_8).length + 1;
      line = next;
    }
    return valid;
  }

  long count() {
    return count;
  }

  long lastChargeSeq() {
    return lastChargeSeq;
  }
}
