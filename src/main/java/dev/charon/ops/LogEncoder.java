package dev.charon.ops;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import java.util.Map;

/**
 * The console encoder of every role (see logback.xml): the text {@code pattern}, or logback's own
 * {@link JsonEncoder} when {@code format} is json. Logging cannot refuse to start, so a bad format
 * falls back to text here; {@code Main} validates {@code CHARON_LOG_FORMAT} and refuses to run.
 */
public final class LogEncoder extends EncoderBase<ILoggingEvent> {
  private String format = "text";
  private String pattern = "%-5level [%thread] %logger{20} %X - %msg%n";
  private Encoder<ILoggingEvent> delegate;

  public void setFormat(String format) {
    this.format = format;
  }

  public void setPattern(String pattern) {
    this.pattern = pattern;
  }

  @Override
  public void start() {
    LogFormat parsed;
    try {
      parsed = LogFormat.from(new Env(Map.of(LogFormat.VARIABLE, format)));
    } catch (ConfigException e) {
      addError(e.getMessage() + "; logging as text");
      parsed = LogFormat.TEXT;
    }
    delegate = parsed == LogFormat.JSON ? json() : text();
    delegate.setContext(getContext());
    delegate.start();
    super.start();
  }

  private Encoder<ILoggingEvent> text() {
    var text = new PatternLayoutEncoder();
    text.setPattern(pattern);
    return text;
  }

  /**
   * timestamp, level, threadName, loggerName, mdc, formattedMessage, throwable: one object per
   * line.
   */
  private static Encoder<ILoggingEvent> json() {
    var json = new JsonEncoder();
    json.setWithSequenceNumber(false);
    json.setWithNanoseconds(false);
    json.setWithContext(false);
    json.setWithMessage(false); // the unformatted "{}" template: formattedMessage says it
    json.setWithArguments(false);
    json.setWithFormattedMessage(true);
    return json;
  }

  @Override
  public void stop() {
    if (delegate != null) {
      delegate.stop();
    }
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return delegate.headerBytes();
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    return delegate.encode(event);
  }

  @Override
  public byte[] footerBytes() {
    return delegate.footerBytes();
  }
}
