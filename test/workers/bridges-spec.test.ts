import { describe, expect, it } from "vitest";
import { decrypt, encrypt, importKey, newKeyBase64 } from "../../src/bridges/secrets";
import { parseBridgeSpec, redact } from "../../src/bridges/spec";
import { matches } from "../../src/bridges/adapters/mqtt";

// Issue 18: sealing of bridge credentials (AES-GCM) and the spec's validation, in workerd.
describe("bridge credentials", () => {
  it("seal and open with the same key and bridge name; anything else fails", async () => {
    const key = await importKey(newKeyBase64());
    const sealed = await encrypt(key, "s3cret", "b1");
    expect(sealed).not.toContain("s3cret");
    expect(sealed).not.toBe(await encrypt(key, "s3cret", "b1")); // fresh IV each time
    expect(await decrypt(key, sealed, "b1")).toBe("s3cret");
    await expect(decrypt(key, sealed, "b2")).rejects.toThrow(); // copied to another bridge
    await expect(decrypt(await importKey(newKeyBase64()), sealed, "b1")).rejects.toThrow(); // another key
    const [v, iv, ct] = sealed.split(":");
    const flipped = ct[0] === "A" ? `B${ct.slice(1)}` : `A${ct.slice(1)}`;
    await expect(decrypt(key, [v, iv, flipped].join(":"), "b1")).rejects.toThrow(); // tampered
    await expect(importKey("c2hvcnQ=")).rejects.toThrow(/32 bytes/);
  });
});

describe("bridge spec", () => {
  const base = { name: "b", platform: "nats", connection: { host: "h" }, direction: "sink", mapping: [{ external: "a.b", topic: "t" }] };
  it("fills the platform's default port and redacts the password", () => {
    const r = parseBridgeSpec({ ...base, connection: { host: "h", username: "u", password: "p" } });
    expect(r.ok && r.spec.connection).toEqual({ host: "h", port: 4222, username: "u", password: "p" });
    expect(r.ok && redact(r.spec).connection.password).toBe("***");
  });
  it("refuses Redis-only options elsewhere, duplicate mappings, and too many mappings", () => {
    expect(parseBridgeSpec({ ...base, connection: { host: "h", database: 1 } })).toMatchObject({ ok: false, error: { field: "connection.database" } });
    expect(parseBridgeSpec({ ...base, mapping: [base.mapping[0], base.mapping[0]] })).toMatchObject({ ok: false, error: { field: "mapping[1]" } });
    const many = Array.from({ length: 17 }, (_, i) => ({ external: `s${i}`, topic: "t" }));
    expect(parseBridgeSpec({ ...base, mapping: many })).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", field: "mapping" } });
    expect(parseBridgeSpec({ ...base, options: { batch_records: 501 } })).toMatchObject({ ok: false, error: { field: "options.batch_records" } });
  });
});

describe("bridge spec: MQTT and RabbitMQ", () => {
  const mqtt = { name: "m", platform: "mqtt", connection: { host: "h" }, direction: "source", mapping: [{ external: "a/+/c/#", topic: "t" }] };
  const rabbit = { name: "r", platform: "rabbitmq", connection: { host: "h" }, direction: "source", mapping: [{ external: "orders", topic: "t" }] };
  it("are available with their default ports; vhost is RabbitMQ's", () => {
    expect(parseBridgeSpec(mqtt)).toMatchObject({ ok: true, spec: { connection: { host: "h", port: 1883 } } });
    expect(parseBridgeSpec({ ...rabbit, connection: { host: "h", vhost: "/prod" } })).toMatchObject({ ok: true, spec: { connection: { port: 5672, vhost: "/prod" } } });
    expect(parseBridgeSpec({ ...mqtt, connection: { host: "h", vhost: "/" } })).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", field: "connection.vhost" } });
  });
  it("MQTT: filters for sources, plain topic names for sinks", () => {
    for (const external of ["a/#/c", "a/b+", "#/a", "a/b#"]) {
      expect(parseBridgeSpec({ ...mqtt, mapping: [{ external, topic: "t" }] }), external).toMatchObject({ ok: false, error: { field: "mapping[0].external" } });
    }
    expect(parseBridgeSpec({ ...mqtt, direction: "sink" })).toMatchObject({ ok: false, error: { field: "mapping[0].external" } });
    expect(parseBridgeSpec({ ...mqtt, direction: "sink", mapping: [{ external: "a/b/c", topic: "t" }] }).ok).toBe(true);
  });
  it("RabbitMQ: a queue name longer than 255 bytes is refused", () => {
    expect(parseBridgeSpec({ ...rabbit, mapping: [{ external: "q".repeat(256), topic: "t" }] })).toMatchObject({ ok: false, error: { field: "mapping[0].external" } });
  });
  it("MQTT topic filter matching (+ one level, # the rest, $ topics only by name)", () => {
    expect(matches("a/+/c", "a/b/c")).toBe(true);
    expect(matches("a/+/c", "a/b/d")).toBe(false);
    expect(matches("a/#", "a")).toBe(true);
    expect(matches("a/#", "a/b/c")).toBe(true);
    expect(matches("#", "$SYS/x")).toBe(false);
    expect(matches("+/x", "$SYS/x")).toBe(false);
    expect(matches("a/b", "a/b/c")).toBe(false);
  });
});
