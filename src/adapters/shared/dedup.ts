import type { Logger } from "../../core/log.js";
import type { StateStore } from "../../core/state/types.js";

/**
 * True the first time a delivery is seen (claimed in the state, so replicas sharing Redis agree).
 * When the state cannot tell, because it is down, the answer goes ahead: a possible duplicate beats silence.
 */
export async function firstDelivery(
  state: StateStore,
  key: string,
  ttlMs: number,
  log: Logger,
): Promise<boolean> {
  try {
    return await state.setIfAbsent(`claim:${key}`, 1, ttlMs);
  } catch (err) {
    log.warn({ err, key }, "dedup store unavailable; answering without the duplicate check");
    return true;
  }
}
