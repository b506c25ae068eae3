import type { Context } from "hono";
import { produceSchema } from "../api/schemas";
import { recordValueSpans } from "../api/json-text";
import type { WireRecord } from "../api/wire";
import { markValueTextChecked } from "../routing/prepare";
import { EngineError } from "../core/errors";
import { MAX_VALUE_DEPTH } from "../core/limits";
import { parseWith, readJsonText } from "./validate";
import type { z } from "zod";

/** A record value sits three containers down: the body object, the records array, the record. */
const VALUE_LEVEL = 3;

/**
 * Reads a produce body and keeps each record's JSON value as the text the client wrote
 * (`value_text`), so it is stored and fetched back byte for byte: JSON.parse would turn
 * 12345678901234567890 into …000, 1e400 into null, collapse duplicate keys and -0 (issue 9,
 * item 1). One linear scan validates the body, finds each `records[i].value` and refuses a value
 * nested deeper than MAX_VALUE_DEPTH, before the body is parsed at all (item 13).
 */
export async function produceBody(c: Context): Promise<z.output<typeof produceSchema> & { records: WireRecord[] }> {
  const text = await readJsonText(c);
  const found = recordValueSpans(text, MAX_VALUE_DEPTH + VALUE_LEVEL);
  if (!found.ok) {
    const value = /^records\[\d+\]\.value/.exec(found.path)?.[0];
    if (found.tooDeep && value) {
      throw new EngineError({ code: "INVALID_RECORD", message: `record value nests deeper than ${MAX_VALUE_DEPTH} levels`, field: value });
    }
    const where = found.path ? ` in ${found.path}` : "";
    throw new EngineError({ code: "INVALID_REQUEST", message: `request body is not valid JSON: ${found.problem} at character ${found.at}${where}` });
  }
  const body = parseWith(produceSchema, JSON.parse(text), "body");
  const records = body.records as WireRecord[];
  records.forEach((r, i) => {
    const span = found.spans[i];
    // Base64 values are bytes, decoded from the parsed string; null is a tombstone (no value at
    // all, as in Kafka), not the text "null"; every other JSON value keeps its text.
    if (span === undefined || r.value === null || r.value_encoding === "base64" || r.value_text !== undefined) return;
    r.value_text = text.slice(span.start, span.end);
    delete r.value;
    markValueTextChecked(r);
  });
  return { ...body, records };
}
