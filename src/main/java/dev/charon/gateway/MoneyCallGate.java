package dev.charon.gateway;

/**
 * Admission of a money call ({@code POST /charges}, {@code POST /refunds}): asked first, before the
 * outage switch, the key or the body are looked at, so a refused call reads and stores nothing.
 * Refuses by throwing a {@link GatewayError} (with its headers, e.g. {@code Retry-After}). Both
 * money calls and both ways of serving {@code /charges} ({@link ChargePath} and Javalin's route)
 * ask the one gate the server was started with: a limit on money calls goes here and nowhere else.
 */
@FunctionalInterface
interface MoneyCallGate {
  /** Lets every call through. */
  MoneyCallGate OPEN = () -> {};

  void admit();
}
