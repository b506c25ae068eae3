import { DurableObject } from "cloudflare:workers";
import { partitionMigrations } from "../../migrations/partition";
import type { Result } from "../core/errors";
import { migrate } from "../log/migrator";
import { PartitionLog } from "../log/partition-log";
import type { AppendOk, AppendRecord, FetchOk, FetchRequest, ListOffsetOk, OffsetSpec, PartitionInit, PartitionOffsets } from "../log/types";
import { Waiters } from "../log/waiters";
import type { Env } from "../env";

/**
 * One topic partition. Named `${topicId}/${partition}` so a re-created topic (new topicId) gets
 * fresh objects. Thin on purpose: storage and RPC here, the log's rules in PartitionLog.
 */
export class PartitionDO extends DurableObject<Env> {
  private log!: PartitionLog;
  private readonly waiters = new Waiters();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage.sql, partitionMigrations);
      this.log = new PartitionLog({ sql: ctx.storage.sql, transactionSync: (fn) => ctx.storage.transactionSync(fn) });
    });
  }

  init(init: PartitionInit): Result<{ status: string }> {
    return this.log.init(init);
  }

  destroy(): Result<{}> {
    const result = this.log.destroy();
    this.waiters.wakeAll();
    return result;
  }

  append(records: AppendRecord[]): Result<AppendOk> {
    const result = this.log.append(records, Date.now());
    if (result.ok) this.waiters.wakeAll();
    return result;
  }

  /** Long-poll: when caught up, park until an append wakes us or `waitMs` runs out, then read once more. */
  async read(req: FetchRequest): Promise<Result<FetchOk>> {
    const first = this.log.read(req);
    if (!first.ok || first.count > 0 || req.waitMs <= 0 || !this.log.isCaughtUp(req.offset)) return first;
    await this.waiters.wait(req.waitMs);
    return this.log.read(req);
  }

  listOffset(spec: OffsetSpec): Result<ListOffsetOk> {
    return this.log.listOffset(spec);
  }

  bounds() {
    return this.log.bounds();
  }

  offsets(): Result<PartitionOffsets> {
    return this.log.offsets();
  }
}
