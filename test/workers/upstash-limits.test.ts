import { describe, expect, it } from "vitest";
import { engineWith } from "./auth-helpers";
import { unique } from "./helpers";

// Issue 19 on issue 16: the Upstash-style surface spends the same per-principal buckets as the
// native routes, so /kafka is no way around a principal's limits.
const ADMIN = "upstash-limits-bootstrap-0123456789abcdef";
const basic = (key: string) => ({ authorization: `Basic ${btoa(`app:${key}`)}` });

describe("Upstash-style surface under per-principal limits", () => {
  it("over the request rate answers 429 {error, status} with Retry-After, and writes nothing more", async () => {
    const limited = engineWith({ AUTH_MODE: "on", BOOTSTRAP_ADMIN_KEY: ADMIN, LIMIT_REQUESTS_PER_SECOND: "1" });
    const t = unique("up-rate");
    await limited.call("POST", "/v1/topics", { token: ADMIN, body: { name: t } });
    const key = (await limited.call("POST", "/v1/auth/keys", { token: ADMIN, body: { name: "u", entitlements: [`topic:${t}:write`] } })).body.key as string;
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await limited.call("POST", `/kafka/produce/${t}`, { body: { value: `v${i}` }, headers: basic(key) }));
    const refused = answers.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.body).toMatchObject({ status: 429, error: expect.stringContaining("requests/s") });
    expect(Number(refused[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const written = answers.filter((r) => r.status === 200).length;
    const reader = engineWith({ AUTH_MODE: "on", BOOTSTRAP_ADMIN_KEY: ADMIN });
    expect((await reader.call("GET", `/v1/topics/${t}/offsets?at=latest`, { token: ADMIN })).body.partitions[0].offset).toBe(written);
  });
});
