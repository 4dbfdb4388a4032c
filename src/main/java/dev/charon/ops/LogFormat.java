package dev.charon.ops;

import dev.charon.config.Env;

/** How every role writes its log lines to stderr: {@code CHARON_LOG_FORMAT=text|json}. */
public enum LogFormat {
  /** One human-readable line per event, MDC shown as {@code {runId=.., invoiceId=..}}. */
  TEXT,
  /** One JSON object per line (logback's {@code JsonEncoder}), for log shippers. */
  JSON;

  public static final String VARIABLE = "CHARON_LOG_FORMAT";

  /** The configured format; a value other than text or json throws, naming the variable. */
  public static LogFormat from(Env env) {
    return env.enumValue(VARIABLE, LogFormat.class, TEXT);
  }
}
