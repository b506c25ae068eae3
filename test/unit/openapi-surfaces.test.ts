import { describe, expect, it } from "vitest";
import { createApp } from "../../src/http/app";

// /openapi.json (issue 10, item 3) for the surfaces that do not answer the engine's usual JSON:
// the Upstash routes' own answer and error shapes, a 204 without a body, and non-JSON media types.
type Operation = { responses: Record<string, { content?: Record<string, { schema: { type?: string; properties?: Record<string, unknown>; required?: string[]; items?: unknown } }> }> };

async function operation(path: string, method: string): Promise<Operation> {
  const res = await createApp().request("/openapi.json", {}, {} as never);
  const doc = (await res.json()) as { paths: Record<string, Record<string, Operation>> };
  return doc.paths[path][method];
}

describe("/openapi.json answers beyond the engine's JSON", () => {
  it("describes an Upstash route's array answer and its { error, status } errors", async () => {
    const produce = await operation("/kafka/produce/{topic}", "post");
    expect(produce.responses["200"].content!["application/json"].schema.type).toBe("array");
    expect(produce.responses.default.content!["application/json"].schema).toMatchObject({ type: "object", required: ["error", "status"] });
  });

  it("gives creates their 201, a bodiless delete its 204, and secrets only where they are answered", async () => {
    const created = (await operation("/v1/auth/keys", "post")).responses["201"].content!["application/json"].schema;
    expect(created.required).toContain("key");
    const listed = (await operation("/v1/auth/keys", "get")).responses["200"].content!["application/json"].schema;
    expect(JSON.stringify(listed)).not.toContain('"key"');
    const gone = await operation("/v1/bridges/{name}", "delete");
    expect(gone.responses["204"]).toEqual({ description: "No content" });
  });

  it("names the media type of the metrics text, the console page and the SSE stream", async () => {
    expect(Object.keys((await operation("/metrics", "get")).responses["200"].content!)).toEqual(["text/plain; version=0.0.4"]);
    expect(Object.keys((await operation("/ui", "get")).responses["200"].content!)).toEqual(["text/html"]);
    expect(Object.keys((await operation("/v1/topics/{topic}/events", "get")).responses["200"].content!)).toEqual(["text/event-stream"]);
  });
});
