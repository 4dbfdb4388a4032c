package dev.charon.chaos;

/** A fault whose evidence is missing: the command failed, or it touched nothing. */
final class FaultNotVerified extends RuntimeException {
  FaultNotVerified(String message) {
    super(message);
  }
}
