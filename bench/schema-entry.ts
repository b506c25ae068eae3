/** Bench-only entry: the pure schema modules, bundled for Node by bench/suites/schema.mjs. */
export { inferSchema, SchemaAccumulator } from "../src/schema/infer";
export { parseJson, parseJsonText } from "../src/schema/json-text";
export { toJsonSchema } from "../src/schema/json-schema";
export { RecordValidator } from "../src/schema/validate";
