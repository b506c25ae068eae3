import { fail, type Result } from "../core/errors";
import { BRIDGE_SCHEMA_SAMPLE } from "../core/limits";
import type { Env } from "../env";
import { bridgeStub, catalogStub } from "../routing/stubs";
import { lookupTopic } from "../routing/topics";
import { deleteGroup } from "../routing/groups";
import { sinkGroup } from "./pump";
import { inferSchema } from "../schema/infer";
import { toJsonSchema } from "../schema/json-schema";
import type { ExternalTopic } from "./adapter";
import { PLATFORMS } from "./capabilities";
import { bridgeKey } from "./keys";
import { encrypt } from "./secrets";
import { parseBridgeSpec } from "./spec";
import type { BridgeSpec } from "./types";
import type { BridgeView } from "./view";
import type { z } from "zod";
import type { externalSchemaAnswer } from "../api/responses/bridges";

/**
 * The Worker-side bridge operations (issue 18), shared by HTTP and the StreamService binding.
 * Create checks everything it can before anything is stored (shape, platform, our topics, the
 * broker answering with these credentials), so a bad request leaves nothing half-created.
 */
export async function createBridge(env: Env, body: unknown): Promise<Result<{ bridge: BridgeView }>> {
  const parsed = parseBridgeSpec(body);
  if (!parsed.ok) return parsed;
  const { spec } = parsed;
  if (await catalogStub(env).hasBridge(spec.name)) return fail("BRIDGE_ALREADY_EXISTS", `bridge '${spec.name}' already exists`, "name");
  const checked = await checkSpec(env, spec);
  if (!checked.ok) return checked;
  const reg = await catalogStub(env).registerBridge(spec.name, spec.platform, spec.direction);
  if (!reg.ok) return reg;
  try {
    const { stored, sealed } = await seal(env, spec);
    const r = await bridgeStub(env, spec.name).create(stored, sealed);
    if (!r.ok) await catalogStub(env).unregisterBridge(spec.name);
    return r;
  } catch (err) {
    await catalogStub(env).unregisterBridge(spec.name);
    throw err;
  }
}

/** PUT: same checks as create; the name in the path wins; no password in the body keeps the stored one. */
export async function updateBridge(env: Env, name: string, body: unknown): Promise<Result<{ bridge: BridgeView }>> {
  const parsed = parseBridgeSpec({ ...(body as object), name });
  if (!parsed.ok) return parsed;
  if (!(await catalogStub(env).hasBridge(name))) return notFound(name);
  const current = await bridgeStub(env, name).describe();
  if (!current.ok) return current;
  if (current.bridge.platform !== parsed.spec.platform) return fail("INVALID_REQUEST", "a bridge's platform cannot change; delete it and create another", "platform");
  if (current.bridge.direction !== parsed.spec.direction) return fail("INVALID_REQUEST", "a bridge's direction cannot change; delete it and create another", "direction");
  const checked = await checkSpec(env, parsed.spec, parsed.spec.connection.password === undefined && current.bridge.connection.password !== undefined);
  if (!checked.ok) return checked;
  const { stored, sealed } = await seal(env, parsed.spec);
  return bridgeStub(env, name).update(stored, parsed.spec.connection.password === undefined ? "keep" : sealed);
}

export async function listBridges(env: Env): Promise<{ bridges: BridgeView[] }> {
  const names = await catalogStub(env).listBridges();
  const views = await Promise.all(names.map((b) => bridgeStub(env, b.name).describe()));
  return { bridges: views.flatMap((v) => (v.ok ? [v.bridge] : [])) };
}

export async function describeBridge(env: Env, name: string): Promise<Result<{ bridge: BridgeView }>> {
  if (!(await catalogStub(env).hasBridge(name))) return notFound(name);
  return bridgeStub(env, name).describe();
}

/** DELETE: the bridge's object stops its pump and drops its state (and a sink's group), then the name is freed. */
export async function deleteBridge(env: Env, name: string): Promise<Result<{ deleted: true }>> {
  if (!(await catalogStub(env).hasBridge(name))) return notFound(name);
  const r = await bridgeStub(env, name).destroy();
  if (!r.ok && r.error.code !== "BRIDGE_NOT_FOUND") return r;
  // A sink's position is its group's offsets: they go with it, so a new bridge of this name starts afresh.
  await deleteGroup(env, sinkGroup(name));
  await catalogStub(env).unregisterBridge(name);
  return { ok: true, deleted: true };
}

export async function bridgeAction(env: Env, name: string, action: "reconnect" | "disconnect"): Promise<Result<{ bridge: BridgeView }>> {
  if (!(await catalogStub(env).hasBridge(name))) return notFound(name);
  const stub = bridgeStub(env, name);
  return action === "reconnect" ? stub.reconnect() : stub.disconnect();
}

export async function bridgeTopics(env: Env, name: string): Promise<Result<{ topics: ExternalTopic[] }>> {
  if (!(await catalogStub(env).hasBridge(name))) return notFound(name);
  return bridgeStub(env, name).listExternal();
}

/** Schema discovery (src/schema) on a sample read from the start of the external stream. */
export async function bridgeTopicSchema(env: Env, name: string, topic: string): Promise<Result<z.input<typeof externalSchemaAnswer>>> {
  const d = await describeBridge(env, name);
  if (!d.ok) return d;
  const r = await bridgeStub(env, name).sample(topic, BRIDGE_SCHEMA_SAMPLE);
  if (!r.ok) return r;
  const values = r.values.map((v) => {
    try {
      return JSON.parse(v) as never;
    } catch {
      return v as never;
    }
  });
  const uri = `stream://${d.bridge.platform}/${name}/${topic}`;
  return { ok: true, uri, sample_size: values.length, schema: toJsonSchema(inferSchema(values), uri) };
}

const notFound = (name: string) => fail("BRIDGE_NOT_FOUND", `bridge '${name}' not found`, "name");

/** Our topics must exist, and the broker must answer with these credentials (its reason otherwise). */
async function checkSpec(env: Env, spec: BridgeSpec, keepPassword = false): Promise<Result<object>> {
  for (const [i, m] of spec.mapping.entries()) {
    const t = await lookupTopic(env, m.topic);
    if (!t.ok) return fail("UNKNOWN_TOPIC_OR_PARTITION", `mapping[${i}]: topic '${m.topic}' does not exist; create it first`, `mapping[${i}].topic`);
  }
  if (keepPassword) return { ok: true }; // the stored password is checked by the pump on its next run
  const adapter = PLATFORMS[spec.platform].adapter!({ bridge: spec.name, connection: spec.connection });
  try {
    await adapter.connect();
    return { ok: true };
  } catch (err) {
    return fail("BRIDGE_CONNECTION_FAILED", `${spec.platform} at ${spec.connection.host}:${spec.connection.port}: ${(err as Error).message}`, "connection");
  } finally {
    await adapter.close().catch(() => undefined);
  }
}

async function seal(env: Env, spec: BridgeSpec): Promise<{ stored: BridgeSpec; sealed: string | null }> {
  const { password, ...connection } = spec.connection;
  const sealed = password === undefined ? null : await encrypt(await bridgeKey(env), password, spec.name);
  return { stored: { ...spec, connection }, sealed };
}
