import { describe, expect, it } from "vitest";
import { PIPELINE_MAX_BATCH_BYTES } from "../../src/core/limits";
import { PipelineColdSink } from "../../src/tiering/cold-sink";
import { ColdState } from "../../src/tiering/segment-index";
import { encodeSegment } from "../../src/tiering/parquet";
import type { SegmentRecord } from "../../src/tiering/types";

// A recording fake of a Cloudflare Pipeline binding: Miniflare's local Pipelines binding accepts
// send() and drops the records, so it cannot show what was sent. This fake keeps every batch.
class RecordingPipelineFake {
  readonly batches: object[][] = [];
  async send(records: object[]): Promise<void> {
    this.batches.push(records);
  }
}

describe("Pipeline cold sink", () => {
  it("sends every record of a segment, in order, in batches under 1 MB", async () => {
    const records: SegmentRecord[] = Array.from({ length: 3000 }, (_, i) => ({
      offset: 100 + i, timestamp: 1_700_000_000_000 + i, key: i % 3 ? `k${i}` : null,
      value: i % 10 === 0 ? new Uint8Array([i & 255, 1, 2]) : JSON.stringify({ i, pad: "p".repeat(900) }),
      headers: i % 2 ? '{"h":"v"}' : null, producerId: null, producerEpoch: null, sequence: null, txnState: 0,
    }));
    const bytes = await encodeSegment(records, { partition: 3 });
    const fake = new RecordingPipelineFake();
    const segment = { baseOffset: 100, lastOffset: 3099, minTimestamp: 0, maxTimestamp: 0, recordCount: 3000, bytes: bytes.byteLength, recordBytes: 0, objectKey: "k", coldState: ColdState.owed };
    await new PipelineColdSink(fake).accept({ topicId: "id", topic: "orders", partition: 3, segment, bytes });

    expect(fake.batches.length).toBeGreaterThan(1);
    for (const batch of fake.batches) expect(JSON.stringify(batch).length).toBeLessThanOrEqual(PIPELINE_MAX_BATCH_BYTES);
    const sent = fake.batches.flat() as any[];
    expect(sent.map((r) => r.offset)).toEqual(records.map((r) => r.offset));
    expect(sent[0]).toEqual({ topic: "orders", partition: 3, offset: 100, timestamp: 1_700_000_000_000, key: null, key_base64: null, value: null, value_base64: "AAEC", headers: null });
    expect(JSON.parse(sent[1].value)).toEqual({ i: 1, pad: "p".repeat(900) });
    expect(sent[1]).toMatchObject({ key: "k1", headers: '{"h":"v"}', value_base64: null });
  });
});
