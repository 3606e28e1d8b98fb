import Keyv from "keyv";
import { describe, expect, it } from "vitest";
import { deserializeFlat, FlatMap, serializeFlat } from "../../src/core/state/memory-map.js";

describe("memory:// map", () => {
  const keyvOver = (map: FlatMap) =>
    new Keyv({ store: map, namespace: "t", serialize: serializeFlat, deserialize: deserializeFlat });

  it("round-trips values through keyv, strings starting with a colon included", async () => {
    const keyv = keyvOver(new FlatMap());
    const value = { text: ":colon", n: 1, list: ["a", "说"], nested: { ok: true } };
    await keyv.set(`conversation:${"x".repeat(40)}`, value, 60_000);
    expect(await keyv.get(`conversation:${"x".repeat(40)}`)).toEqual(value);
  });

  it("drops entries whose time has passed, keeps the rest and those without a TTL", async () => {
    const map = new FlatMap();
    const keyv = keyvOver(map);
    await keyv.set("old", 1, 1_000);
    await keyv.set("live", 2, 60_000);
    await keyv.set("forever", 3);
    await keyv.set("text", 'ends with "expires":1}', 60_000);
    map.sweep(Date.now() + 5_000);
    expect([...map.keys()].sort()).toEqual(["t:forever", "t:live", "t:text"]);
  });

  it("sweeps by itself as it is written to: claims that are never read again do not pile up", async () => {
    const map = new FlatMap({ sweepWrites: 1_000, sweepMs: 0 });
    const keyv = keyvOver(map);
    for (let i = 0; i < 500; i++) await keyv.set(`claim:${i}`, 1, 1);
    await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 600; i++) await keyv.set(`later:${i}`, 1, 60_000);
    expect(map.size).toBeLessThan(1_000);
  });
});
