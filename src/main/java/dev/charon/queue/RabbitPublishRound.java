package dev.charon.queue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ReturnListener;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes one batch of outbox rows on its own confirm-mode channel and reports which the broker
 * confirmed. All messages are published first and the confirms collected asynchronously as they
 * arrive (a listener, not one wait per message). A message counts as confirmed only when it was
 * acked and not returned as unroutable; nacked, returned and unanswered ones (the channel died, the
 * timeout passed) are reported as failed. A channel per round means publish sequence numbers never
 * outlive the channel they belong to, even across a connection recovery.
 */
final class RabbitPublishRound implements ConfirmListener, ReturnListener {

  /** What became of a round: the confirmed request ids and counts of the rest, by reason. */
  record Result(Set<Long> confirmed, int nacked, int returned, int unconfirmed, String failure) {
    int failed() {
      return nacked + returned + unconfirmed;
    }
  }

  private final ConcurrentNavigableMap<Long, Long> outstanding = new ConcurrentSkipListMap<>();
  private final Set<Long> acked = ConcurrentHashMap.newKeySet();
  private final Set<Long> nacked = ConcurrentHashMap.newKeySet();
  private final Set<Long> returned = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<String> settled = new CompletableFuture<>();
  private volatile boolean allPublished;

  private RabbitPublishRound() {}

  static Result publish(
      Connection connection, AmqpSettings settings, List<RabbitMessage> messages) {
    var round = new RabbitPublishRound();
    Channel channel = null;
    String failure = null;
    try {
      channel = connection.createChannel();
      channel.confirmSelect();
      channel.addConfirmListener(round);
      channel.addReturnListener(round);
      channel.addShutdownListener(
          cause -> round.settled.complete("channel closed: " + cause.getMessage()));
      for (var message : messages) {
        round.outstanding.put(channel.getNextPublishSeqNo(), message.requestId());
        // mandatory: an unroutable message (queue or binding gone) is returned, not silently
        // dropped.
        channel.basicPublish(
            settings.exchange(), settings.routingKey(), true, message.properties(), message.body());
      }
      round.allPublished = true;
      round.settleIfDone();
      failure = round.settled.get(settings.confirmTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      failure = "no confirm within " + settings.confirmTimeout();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = "interrupted";
    } catch (Exception e) { // IOException, AlreadyClosedException, ShutdownSignalException
      failure = e.getMessage() == null ? e.toString() : e.getMessage();
    } finally {
      closeQuietly(channel);
    }
    return round.result(failure);
  }

  private Result result(String failure) {
    var confirmed = new HashSet<>(acked);
    confirmed.removeAll(returned);
    int unanswered = outstanding.size();
    return new Result(
        Set.copyOf(confirmed),
        nacked.size(),
        returned.size(),
        unanswered,
        unanswered + nacked.size() + returned.size() == 0 ? null : failure);
  }

  @Override
  public void handleAck(long deliveryTag, boolean multiple) {
    settle(deliveryTag, multiple, acked);
  }

  @Override
  public void handleNack(long deliveryTag, boolean multiple) {
    settle(deliveryTag, multiple, nacked);
  }

  private void settle(long sequence, boolean multiple, Set<Long> into) {
    var answered =
        multiple
            ? outstanding.headMap(sequence, true)
            : outstanding.subMap(sequence, true, sequence, true);
    into.addAll(answered.values());
    answered.clear();
    settleIfDone();
  }

  // Both the publisher (after the last publish) and the listener (after each confirm) check, so
  // whichever comes second completes the round; completing early, mid-publish, is impossible.
  private void settleIfDone() {
    if (allPublished && outstanding.isEmpty()) {
      settled.complete(null);
    }
  }

  @Override
  public void handleReturn(
      int replyCode,
      String replyText,
      String exchange,
      String routingKey,
      AMQP.BasicProperties properties,
      byte[] body) {
    // The broker sends basic.return before the ack of the same message, so this is seen first.
    try {
      returned.add(Long.parseLong(properties.getMessageId()));
    } catch (RuntimeException e) {
      // Not ours; nothing to account for.
    }
  }

  private static void closeQuietly(Channel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (Exception e) {
      // Already closed with the connection; the recovering connection forgets it either way.
    }
  }
}
