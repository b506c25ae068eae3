import { dropIcebergTable, IcebergColdSink, PipelineColdSink, type ColdSink } from "../tiering/cold-sink";
import { r2IcebergStore } from "../tiering/iceberg";

// Where the cold tier is wired to the Worker's bindings, next to the objects that use it:
// src/tiering knows sinks, not Env (issue 10).

/** A Pipeline binding when one is configured (production), else the embedded Iceberg table. */
export function coldSinkFor(env: Cloudflare.Env): ColdSink {
  if (env.COLD_PIPELINE) return new PipelineColdSink(env.COLD_PIPELINE);
  return new IcebergColdSink(env.SEGMENTS, r2IcebergStore(env.SEGMENTS, env.SEGMENTS_BUCKET_URI ?? "s3://dostream-segments"));
}

/** Topic delete: a Pipeline's output lives downstream, in the user's own table, so it stays. */
export async function dropColdTable(env: Cloudflare.Env, topic: string, topicId: string): Promise<void> {
  if (env.COLD_PIPELINE) return;
  await dropIcebergTable(env.SEGMENTS, topic, topicId);
}
