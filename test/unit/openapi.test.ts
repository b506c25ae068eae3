import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/http/app";
import { ROUTE_DOCS, undocumentedRoutes } from "../../src/http/openapi";

// GET /openapi.json (issue 10, item 3): a valid OpenAPI 3.1 document, built from the route table,
// that lists every route the app registers and every route docs/http-api.md describes.
const app = createApp();
const fetchDoc = async () => {
  const res = await app.request("/openapi.json", {}, {} as never);
  expect(res.status).toBe(200);
  return (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
};
/** `/v1/topics/:topic` and `/v1/topics/{name}` alike → `/v1/topics/{}`. */
const shape = (path: string) => path.replace(/:[A-Za-z_]+|\{[^}]+\}/g, "{}");

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const doc = await fetchDoc();
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("has an entry for every route the app registers", () => {
    const missing = undocumentedRoutes(app.routes);
    expect(missing, `routes without an OpenAPI entry: add them to ROUTE_DOCS in src/http/openapi.ts: ${missing.join(", ")}`).toEqual([]);
  });

  it("describes the success answer of every route (a schema, another media type, or no body)", () => {
    // Durable Streams answers take the stream's own content type, and /v1/ws answers 101 (an upgrade).
    const free = (key: string) => key.includes(" /v1/stream/") || key === "GET /v1/ws";
    const bare = Object.entries(ROUTE_DOCS)
      .filter(([key, doc]) => !free(key) && !doc.response && !doc.contentType && doc.status !== 204)
      .map(([key]) => key);
    expect(bare, `routes whose answer has no schema: give them a \`response\` in ROUTE_DOCS: ${bare.join(", ")}`).toEqual([]);
  });

  it("lists every route docs/http-api.md describes", async () => {
    const doc = await fetchDoc();
    const listed = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${shape(p)}`)));
    const text = readFileSync(new URL("../../docs/http-api.md", import.meta.url), "utf8");
    const inDocs = [...text.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`?\s]*)/g)].map((m) => `${m[1]} ${shape(m[2])}`);
    expect(inDocs.length).toBeGreaterThan(20);
    const absent = [...new Set(inDocs)].filter((r) => !listed.has(r));
    expect(absent, `routes in docs/http-api.md that /openapi.json does not list: ${absent.join(", ")}`).toEqual([]);
  });

  it("describes request bodies and query parameters from the routes' zod schemas", async () => {
    const doc = await fetchDoc();
    const produce = doc.paths["/v1/topics/{topic}/records"].post as { requestBody: { content: { "application/json": { schema: { properties: Record<string, unknown> } } } } };
    expect(Object.keys(produce.requestBody.content["application/json"].schema.properties)).toContain("records");
    const fetch = doc.paths["/v1/topics/{topic}/partitions/{partition}/records"].get as { parameters: { name: string; in: string; required: boolean }[] };
    expect(fetch.parameters.filter((p) => p.in === "query").map((p) => [p.name, p.required])).toContainEqual(["offset", true]);
    expect(fetch.parameters.filter((p) => p.in === "query").map((p) => [p.name, p.required])).toContainEqual(["max_records", false]);
  });
});
