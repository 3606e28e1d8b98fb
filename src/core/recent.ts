/**
 * Sets `key` in a map kept to at most `max` entries, newest last: the key moves to the end, and the oldest
 * entry goes when the map is full. The process-local memories (names, deliveries claimed, threads, resets)
 * use it, so none of them grows with the traffic.
 */
export function setRecent<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as K);
}
