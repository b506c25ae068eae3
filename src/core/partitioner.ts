import murmurhash from "murmurhash-js";

/**
 * Kafka's default partitioner, bit for bit: murmur2 with seed 0x9747b28c over the key's UTF-8
 * bytes, masked to a positive int (`& 0x7fffffff`, Kafka's `Utils.toPositive`), modulo the count.
 * `murmurhash-js`'s murmur2 reads `charCodeAt(i) & 0xff`, so we hand it the UTF-8 bytes as a
 * binary string (one char per byte) to hash the same bytes Kafka does.
 */
const KAFKA_MURMUR2_SEED = 0x9747b28c;
const utf8 = new TextEncoder();

export function murmur2(key: string | Uint8Array): number {
  const bytes = typeof key === "string" ? utf8.encode(key) : key;
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x2000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x2000));
  }
  return murmurhash.murmur2(binary, KAFKA_MURMUR2_SEED) | 0;
}

/** A text key hashes over its UTF-8 bytes, a binary key (`key_encoding: "base64"`) over its raw bytes. */
export function partitionForKey(key: string | Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/**
 * Chooses partitions for a batch. Keyed records hash; explicit partitions are kept (validated by
 * the caller); records without key or partition stick to one partition per batch, chosen at
 * random, as Kafka's sticky partitioner does (KIP-480), so a batch lands in as few appends as possible.
 */
export function assignPartitions(
  records: ReadonlyArray<{ key?: string | Uint8Array | null; partition?: number }>,
  partitions: number,
  random: () => number = Math.random,
): number[] {
  let sticky: number | undefined;
  return records.map((r) => {
    if (r.partition !== undefined) return r.partition;
    if (r.key !== undefined && r.key !== null) return partitionForKey(r.key, partitions);
    sticky ??= Math.floor(random() * partitions);
    return sticky;
  });
}
