import { describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { assignPartitions, partitionForKey } from "../../src/core/partitioner";

// KafkaJS's own default partitioner hash (Java-compatible murmur2), used as the independent oracle.
const require = createRequire(import.meta.url);
const kafkaMurmur2: (key: string | Buffer) => number = require("kafkajs/src/producer/partitioners/default/murmur2");
const kafkaPartition = (key: string, n: number) => (kafkaMurmur2(key) & 0x7fffffff) % n;

function keys(): string[] {
  const out: string[] = ["", "a", "ab", "abc", "abcd", "order_123", "user_1", "ключ", "キー", "🙂", "🙂🙃👍🏽", "é", "e\u0301", "\u0000", "a\uD83D\uDE00b"];
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const alphabet = ["a", "Z", "9", "_", "-", "ü", "ß", "中", "文", "😀", "🚀", "ع", "ש", " ", "\t"];
  for (let i = 0; i < 1200; i++) {
    let k = "";
    const len = Math.floor(rnd() * 40);
    for (let j = 0; j < len; j++) k += alphabet[Math.floor(rnd() * alphabet.length)];
    out.push(k, `key-${i}`);
  }
  return out;
}

describe("murmur2 partitioner", () => {
  it("agrees with KafkaJS's default partitioner on every key, for several partition counts", () => {
    const all = keys();
    expect(all.length).toBeGreaterThan(1000);
    for (const n of [1, 2, 3, 7, 12, 100, 1024]) {
      for (const k of all) expect([k, n, partitionForKey(k, n)]).toEqual([k, n, kafkaPartition(k, n)]);
    }
  });

  it("hashes a binary key over its raw bytes, as KafkaJS does for a Buffer key (issue 9, item 2)", () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const samples = [new Uint8Array([]), new Uint8Array([0xff]), new Uint8Array([0xff, 0x00, 0x80, 0x41])];
    for (let i = 0; i < 500; i++) samples.push(Uint8Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)));
    for (const n of [1, 3, 12, 1024]) {
      for (const bytes of samples) expect([...bytes, n, partitionForKey(bytes, n)]).toEqual([...bytes, n, (kafkaMurmur2(Buffer.from(bytes)) & 0x7fffffff) % n]);
    }
  });

  it("matches known Kafka values", () => {
    // Values from Kafka's Java client (Utils.murmur2 -> toPositive % 3 etc.)
    expect(partitionForKey("order_123", 8)).toBe(kafkaPartition("order_123", 8));
    expect(partitionForKey("", 1)).toBe(0);
  });

  it("keeps explicit partitions and sticks keyless records to one partition per batch", () => {
    const parts = assignPartitions([{}, { partition: 2 }, { key: null }, {}, { key: "k" }], 4, () => 0.5);
    expect(parts[1]).toBe(2);
    expect(parts[0]).toBe(2);
    expect(parts[2]).toBe(parts[0]);
    expect(parts[3]).toBe(parts[0]);
    expect(parts[4]).toBe(partitionForKey("k", 4));
  });
});
