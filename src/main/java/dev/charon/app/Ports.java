package dev.charon.app;

import dev.charon.config.ConfigException;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * A port another process holds (a second worker's metrics port on one host, a second demo's API
 * port) is the user's to fix: one line naming the setting, before the role starts any work, instead
 * of Jetty's BindException stack trace after it did.
 */
public final class Ports {
  private Ports() {}

  /**
   * Throws a {@link ConfigException} naming {@code setting} when {@code port} is taken on {@code
   * host}.
   */
  public static void requireFree(String host, int port, String setting) {
    if (port == 0) {
      return; // any free port
    }
    try (var socket = new ServerSocket()) {
      socket.setReuseAddress(true); // as Jetty binds: a port in TIME_WAIT is free
      socket.bind(new InetSocketAddress(host, port));
    } catch (BindException e) {
      throw inUse(host, port, setting);
    } catch (IOException e) {
      // Not a conflict (an unknown host, say): the server's own start reports it.
    }
  }

  /** The same message for a bind that lost a race after {@link #requireFree}. */
  public static ConfigException inUse(String host, int port, String setting) {
    return new ConfigException(
        "port "
            + port
            + " ("
            + host
            + ") is already in use by another process: choose a free one with "
            + setting
            + " (0 picks any free port)");
  }
}
