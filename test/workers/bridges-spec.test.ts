import { describe, expect, it } from "vitest";
import { decrypt, encrypt, importKey, newKeyBase64 } from "../../src/bridges/secrets";
import { parseBridgeSpec, redact } from "../../src/bridges/spec";

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
