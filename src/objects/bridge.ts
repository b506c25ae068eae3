import { DurableObject } from "cloudflare:workers";
import { bridgeMigrations } from "../../migrations/bridge";
import { fail, type Result } from "../core/errors";
import { BRIDGE_RATE_WINDOW_MS, BRIDGE_RETRY_MAX_MS, BRIDGE_RETRY_MIN_MS, BRIDGE_RUN_MS } from "../core/limits";
import type { Env } from "../env";
import { durableObjectStore, migrate } from "../storage";
import type { BrokerAdapter, ExternalTopic } from "../bridges/adapter";
import { PLATFORMS } from "../bridges/capabilities";
import { bridgeKey } from "../bridges/keys";
import { pump, sinkGroup } from "../bridges/pump";
import { decrypt } from "../bridges/secrets";
import { redact } from "../bridges/spec";
import { BridgeStore, type BridgeState } from "../bridges/store";
import type { BridgeSpec } from "../bridges/types";
import type { BridgeView } from "../bridges/view";

/**
 * One bridge (issue 18): its spec, sealed credentials, checkpoints and status in SQLite, and the
 * pump, run from the alarm. Each alarm run connects, pumps for up to BRIDGE_RUN_MS, closes and
 * re-arms the alarm at once, so an engine restart resumes every running bridge by itself (alarms
 * survive restarts) and a crash mid-run only repeats work the checkpoint makes harmless.
 */
export class BridgeDO extends DurableObject<Env> {
  private store!: BridgeStore;
  private run: Promise<void> | null = null;
  private halt = false;
  private readonly moves: Array<[number, number]> = [];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      const storage = durableObjectStore(ctx);
      migrate(storage.sql, bridgeMigrations);
      this.store = new BridgeStore(storage);
    });
  }

  async create(spec: BridgeSpec, sealedPassword: string | null): Promise<Result<{ bridge: BridgeView }>> {
    if (this.store.get()) return fail("BRIDGE_ALREADY_EXISTS", `bridge '${spec.name}' already exists`, "name");
    this.store.create(spec, sealedPassword, Date.now());
    await this.ctx.storage.setAlarm(Date.now());
    return { ok: true, bridge: this.view(this.store.get()!) };
  }

  describe(): Result<{ bridge: BridgeView }> {
    const st = this.store.get();
    return st ? { ok: true, bridge: this.view(st) } : fail("BRIDGE_NOT_FOUND", "bridge not found");
  }

  /** PUT: the pump stops first, then the new spec applies; mappings kept resume from their checkpoints. */
  async update(spec: BridgeSpec, sealedPassword: string | null | "keep"): Promise<Result<{ bridge: BridgeView }>> {
    const st = this.store.get();
    if (!st) return fail("BRIDGE_NOT_FOUND", "bridge not found");
    await this.stopPump();
    this.store.replaceSpec(spec, sealedPassword === "keep" ? st.sealedPassword : sealedPassword, Date.now());
    if (st.desired === "running") await this.ctx.storage.setAlarm(Date.now());
    return { ok: true, bridge: this.view(this.store.get()!) };
  }

  /** Idempotent: a running bridge stays running; a stopped or failed one starts now. */
  async reconnect(): Promise<Result<{ bridge: BridgeView }>> {
    if (!this.store.get()) return fail("BRIDGE_NOT_FOUND", "bridge not found");
    this.store.setDesired("running", Date.now());
    if (!this.run) await this.ctx.storage.setAlarm(Date.now());
    return { ok: true, bridge: this.view(this.store.get()!) };
  }

  /** Idempotent: stops the pump (waiting for the batch in flight to finish) and keeps the checkpoints. */
  async disconnect(): Promise<Result<{ bridge: BridgeView }>> {
    if (!this.store.get()) return fail("BRIDGE_NOT_FOUND", "bridge not found");
    this.store.setDesired("stopped", Date.now());
    await this.ctx.storage.deleteAlarm();
    await this.stopPump();
    this.store.setStatus("DISCONNECTED");
    return { ok: true, bridge: this.view(this.store.get()!) };
  }

  /** DELETE: the pump stops before any state goes, so no batch is written after the bridge is gone. */
  async destroy(): Promise<Result<{ deleted: true }>> {
    if (!this.store.get()) return fail("BRIDGE_NOT_FOUND", "bridge not found");
    this.store.setDesired("stopped", Date.now());
    await this.ctx.storage.deleteAlarm();
    await this.stopPump();
    await this.ctx.storage.deleteAll();
    migrate(this.ctx.storage.sql, bridgeMigrations);
    return { ok: true, deleted: true };
  }

  /** The broker's topics/streams, over a separate short connection. */
  listExternal(): Promise<Result<{ topics: ExternalTopic[] }>> {
    return this.oneOff(async (a) => ({ topics: await a.listTopics() }));
  }

  /** Up to `max` payloads from the start of an external stream (schema discovery's sample). */
  sample(external: string, max: number): Promise<Result<{ values: string[] }>> {
    return this.oneOff(async (a) => ({ values: (await a.consume(external, null, max, 0)).records.map((r) => r.value) }));
  }

  private async oneOff<T extends object>(op: (a: BrokerAdapter) => Promise<T>): Promise<Result<T>> {
    const st = this.store.get();
    if (!st) return fail("BRIDGE_NOT_FOUND", "bridge not found");
    const adapter = await this.adapter(st);
    try {
      await adapter.connect();
      return { ok: true, ...(await op(adapter)) };
    } catch (err) {
      return fail("BRIDGE_CONNECTION_FAILED", (err as Error).message);
    } finally {
      await adapter.close().catch(() => undefined);
    }
  }

  /** Alarms are at-least-once: a run resumes from the durable checkpoint, so a repeat repeats nothing. */
  override async alarm(): Promise<void> {
    const st = this.store.get();
    if (!st || st.desired !== "running" || this.run) return;
    this.run = this.pumpRun(st);
    try {
      await this.run;
    } finally {
      this.run = null;
    }
  }

  private async pumpRun(st: BridgeState): Promise<void> {
    const deadline = Date.now() + BRIDGE_RUN_MS;
    let adapter: BrokerAdapter | undefined;
    try {
      adapter = await this.adapter(st, "pump");
      await adapter.connect();
      if (this.halt) return;
      this.store.recordSuccess();
      await pump({
        env: this.env, store: this.store, adapter, spec: st.spec,
        stop: () => this.halt || Date.now() >= deadline,
        moved: (n) => this.moves.push([Date.now(), n]),
      });
      if (!this.halt) await this.ctx.storage.setAlarm(Date.now());
    } catch (err) {
      if (this.halt) return;
      const failures = this.store.recordFailure((err as Error).message, Date.now());
      const backoff = Math.min(BRIDGE_RETRY_MAX_MS, BRIDGE_RETRY_MIN_MS * 2 ** Math.min(16, failures - 1));
      await this.ctx.storage.setAlarm(Date.now() + backoff);
    } finally {
      await adapter?.close().catch(() => undefined);
    }
  }

  private async stopPump(): Promise<void> {
    this.halt = true;
    try {
      await this.run?.catch(() => undefined);
    } finally {
      this.halt = false;
    }
  }

  private async adapter(st: BridgeState, role: "pump" | "probe" = "probe"): Promise<BrokerAdapter> {
    const connection = { ...st.spec.connection };
    if (st.sealedPassword !== null) connection.password = await decrypt(await bridgeKey(this.env), st.sealedPassword, st.spec.name);
    return PLATFORMS[st.spec.platform].adapter!({ bridge: `${st.spec.name}:${st.createdAt.toString(36)}`, connection, role, externals: st.spec.mapping.map((m) => m.external) });
  }

  private view(st: BridgeState): BridgeView {
    const now = Date.now();
    while (this.moves.length && this.moves[0][0] < now - BRIDGE_RATE_WINDOW_MS) this.moves.shift();
    const recent = this.moves.reduce((n, [, c]) => n + c, 0);
    const checkpoints = this.store.checkpoints();
    const lags = checkpoints.map((c) => c.lag).filter((l): l is number => l !== null);
    const spec = redact({ ...st.spec, connection: { ...st.spec.connection, ...(st.sealedPassword !== null ? { password: "" } : {}) } });
    return {
      ...spec,
      status: st.desired === "stopped" ? "DISCONNECTED" : st.status,
      desired: st.desired,
      last_error: st.lastError,
      last_error_at: st.lastErrorAt,
      records: st.records,
      bytes: st.bytes,
      records_per_s: Math.round(recent / (BRIDGE_RATE_WINDOW_MS / 1000)),
      lag: lags.length ? lags.reduce((a, b) => a + b, 0) : null,
      checkpoints,
      ...(st.spec.direction === "sink" ? { group: sinkGroup(st.spec.name) } : {}),
      created_at: st.createdAt,
      updated_at: st.updatedAt,
    };
  }
}

export type { BridgeView } from "../bridges/view";
