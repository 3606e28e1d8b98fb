import type { Logger } from "../../core/log.js";
import type { Store } from "../../core/memory/store.js";

/**
 * True the first time a delivery is seen (claimed in the keyv store, so replicas sharing Redis agree).
 * When the store cannot tell, because it is down, the answer goes ahead: a possible duplicate beats silence.
 */
export async function firstDelivery(store: Store, key: string, ttlMs: number, log: Logger): Promise<boolean> {
  try {
    return await store.claim(key, ttlMs);
  } catch (err) {
    log.warn({ err, key }, "dedup store unavailable; answering without the duplicate check");
    return true;
  }
}
