package dev.charon.payment.fake;

import dev.charon.payment.domain.DeclineCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which decline code a fake provider answers a decline with: weights per {@link DeclineCode},
 * picked by a roll in [0, 1). {@link #standard()} is a card-not-present mix (mostly insufficient
 * funds and issuer catch-alls, one decline in five hard); {@link #parse} reads {@code
 * insufficient_funds=0.6,expired_card=0.4}.
 */
public record DeclineMix(Map<DeclineCode, Double> weights) {

  public DeclineMix {
    if (weights.isEmpty()) {
      throw new IllegalArgumentException("a decline mix needs at least one code");
    }
    weights.forEach(
        (code, w) -> {
          if (!(w > 0 && Double.isFinite(w))) {
            throw new IllegalArgumentException(
                "weight of " + code.code() + " must be a positive number, was " + w);
          }
        });
    weights = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(weights));
  }

  public static DeclineMix standard() {
    var w = new LinkedHashMap<DeclineCode, Double>();
    w.put(DeclineCode.INSUFFICIENT_FUNDS, 0.45);
    w.put(DeclineCode.GENERIC_DECLINE, 0.15);
    w.put(DeclineCode.DO_NOT_HONOR, 0.10);
    w.put(DeclineCode.PROCESSING_ERROR, 0.04);
    w.put(DeclineCode.TRY_AGAIN_LATER, 0.03);
    w.put(DeclineCode.CARD_VELOCITY_EXCEEDED, 0.03);
    w.put(DeclineCode.EXPIRED_CARD, 0.08);
    w.put(DeclineCode.AUTHENTICATION_REQUIRED, 0.04);
    w.put(DeclineCode.INCORRECT_NUMBER, 0.02);
    w.put(DeclineCode.LOST_CARD, 0.02);
    w.put(DeclineCode.STOLEN_CARD, 0.01);
    w.put(DeclineCode.RESTRICTED_CARD, 0.01);
    w.put(DeclineCode.PICKUP_CARD, 0.01);
    w.put(DeclineCode.FRAUDULENT, 0.01);
    return new DeclineMix(w);
  }

  /** Only {@code code}: every decline answers it. */
  public static DeclineMix only(DeclineCode code) {
    return new DeclineMix(Map.of(code, 1.0));
  }

  /** {@code code=weight,...}; {@code standard} for {@link #standard()}. */
  public static DeclineMix parse(String text) {
    if (text.isBlank() || text.trim().equals("standard")) {
      return standard();
    }
    var w = new LinkedHashMap<DeclineCode, Double>();
    var errors = new ArrayList<String>();
    for (var part : text.split(",")) {
      var kv = part.trim().split("=", 2);
      var code = DeclineCode.of(kv[0]);
      if (code.isEmpty()) {
        errors.add("unknown decline code '" + kv[0].trim() + "'");
        continue;
      }
      try {
        w.merge(code.get(), kv.length == 2 ? Double.parseDouble(kv[1].trim()) : 1.0, Double::sum);
      } catch (NumberFormatException e) {
        errors.add("weight of " + kv[0].trim() + " is not a number");
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return new DeclineMix(w);
  }

  /** The code for {@code roll} in [0, 1), in proportion to the weights. */
  public DeclineCode pick(double roll) {
    double total = weights.values().stream().mapToDouble(Double::doubleValue).sum();
    double at = roll * total;
    DeclineCode last = null;
    for (var e : weights.entrySet()) {
      last = e.getKey();
      at -= e.getValue();
      if (at < 0) {
        return last;
      }
    }
    return last;
  }

  public List<DeclineCode> codes() {
    return List.copyOf(weights.keySet());
  }
}
