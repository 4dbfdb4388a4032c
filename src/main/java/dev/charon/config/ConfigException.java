package dev.charon.config;

/** A setting has a value the process cannot run with; the message names the setting. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
