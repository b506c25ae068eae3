/**
 * Avro object container files (Avro 1.11 spec, "Object Container Files" and "Binary Encoding"),
 * written by hand. avsc can't run here: it compiles record readers with `new Function`, which
 * workerd forbids. Iceberg also needs the writer schema stored verbatim, because its `field-id`
 * and `element-id` attributes are how readers project manifest columns (Iceberg spec,
 * "Appendix A: Avro / Field IDs"), plus custom header keys (`schema`, `partition-spec`, …).
 */

/** An Avro schema as JSON: a primitive or named-type name, a union array, or a complex type. */
export type AvroSchema = string | AvroSchema[] | { type: string; [attr: string]: unknown };
type Named = Map<string, AvroSchema>;

const MAGIC = [0x4f, 0x62, 0x6a, 0x01]; // "Obj" 1

class Out {
  buf = new Uint8Array(4096);
  len = 0;
  raw(bytes: Uint8Array): void {
    if (this.len + bytes.length > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, this.len + bytes.length));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }
  long(n: number | bigint): void {
    let v = BigInt.asUintN(64, (BigInt(n) << 1n) ^ (BigInt(n) >> 63n)); // zigzag
    const out: number[] = [];
    for (; v >= 0x80n; v >>= 7n) out.push(Number(v & 0x7fn) | 0x80);
    out.push(Number(v));
    this.raw(Uint8Array.from(out));
  }
  bytes(b: Uint8Array): void {
    this.long(b.length);
    this.raw(b);
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

class In {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  long(): number {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (this.pos >= this.buf.length) throw new Error("truncated Avro data");
      const b = this.buf[this.pos++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    const n = Number((v >> 1n) ^ -(v & 1n));
    // Beyond 2^53 a JS number would silently change the value (e.g. a Java snapshot id).
    if (!Number.isSafeInteger(n)) throw new Error("Avro long outside JS safe integer range");
    return n;
  }
  take(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new Error("truncated Avro data");
    return this.buf.subarray(this.pos, (this.pos += n));
  }
  bytes(): Uint8Array {
    return this.take(this.long());
  }
}

const text = new TextEncoder();
const untext = new TextDecoder();

function resolve(schema: AvroSchema, named: Named): AvroSchema {
  if (typeof schema === "string") return named.get(schema) ?? schema;
  if (!Array.isArray(schema) && ["record", "enum", "fixed"].includes(schema.type)) named.set(schema.name as string, schema);
  return schema;
}

const isNull = (v: unknown) => v === null || v === undefined;

function write(out: Out, s: AvroSchema, v: unknown, named: Named): void {
  s = resolve(s, named);
  if (Array.isArray(s)) {
    // Iceberg only uses ["null", T] unions (spec, "Appendix A: Avro").
    const branch = isNull(v) ? s.findIndex((b) => b === "null") : s.findIndex((b) => b !== "null");
    if (branch < 0) throw new Error(`no union branch for ${String(v)}`);
    out.long(branch);
    return write(out, s[branch], v, named);
  }
  const type = typeof s === "string" ? s : s.type;
  const attrs = s as Record<string, unknown>;
  if (isNull(v) && type !== "null") throw new Error(`missing value for non-null Avro ${type}`);
  switch (type) {
    case "null": return;
    case "boolean": return out.raw(Uint8Array.of(v ? 1 : 0));
    case "int": case "long": return out.long(v as number);
    case "string": return out.bytes(text.encode(v as string));
    case "bytes": return out.bytes(v as Uint8Array);
    case "record":
      for (const f of attrs.fields as { name: string; type: AvroSchema }[]) write(out, f.type, (v as Record<string, unknown>)[f.name], named);
      return;
    case "array": {
      const items = v as unknown[];
      if (items.length > 0) {
        out.long(items.length);
        for (const item of items) write(out, attrs.items as AvroSchema, item, named);
      }
      return out.long(0);
    }
    default: throw new Error(`Avro type ${type} is not written by this encoder`);
  }
}

function read(inp: In, s: AvroSchema, named: Named): unknown {
  s = resolve(s, named);
  if (Array.isArray(s)) return read(inp, s[inp.long()], named);
  const type = typeof s === "string" ? s : s.type;
  const attrs = s as Record<string, unknown>;
  switch (type) {
    case "null": return null;
    case "boolean": return inp.take(1)[0] !== 0;
    case "int": case "long": return inp.long();
    case "float": return new DataView(inp.take(4).slice().buffer).getFloat32(0, true);
    case "double": return new DataView(inp.take(8).slice().buffer).getFloat64(0, true);
    case "string": return untext.decode(inp.bytes());
    case "bytes": return inp.bytes().slice();
    case "fixed": return inp.take(attrs.size as number).slice();
    case "enum": return (attrs.symbols as string[])[inp.long()];
    case "record": {
      const rec: Record<string, unknown> = {};
      for (const f of attrs.fields as { name: string; type: AvroSchema }[]) rec[f.name] = read(inp, f.type, named);
      return rec;
    }
    case "array": case "map": {
      const items: unknown[] = [];
      const entries: Record<string, unknown> = {};
      for (let n = inp.long(); n !== 0; n = inp.long()) {
        if (n < 0) [n] = [-n, inp.long()]; // a negative count is followed by the block's byte size
        for (let i = 0; i < n; i++) {
          if (type === "array") items.push(read(inp, attrs.items as AvroSchema, named));
          else entries[untext.decode(inp.bytes())] = read(inp, attrs.values as AvroSchema, named);
        }
      }
      return type === "array" ? items : entries;
    }
    default: throw new Error(`unknown Avro type ${type}`);
  }
}

export function writeAvroFile(schema: AvroSchema, records: object[], meta: Record<string, string>): Uint8Array {
  const out = new Out();
  out.raw(Uint8Array.from(MAGIC));
  const header = { "avro.schema": JSON.stringify(schema), "avro.codec": "null", ...meta };
  out.long(Object.keys(header).length);
  for (const [k, v] of Object.entries(header)) {
    out.bytes(text.encode(k));
    out.bytes(text.encode(v));
  }
  out.long(0);
  const sync = crypto.getRandomValues(new Uint8Array(16));
  out.raw(sync);
  if (records.length > 0) {
    const body = new Out();
    const named: Named = new Map();
    for (const r of records) write(body, schema, r, named);
    const block = body.done();
    out.long(records.length);
    out.bytes(block);
    out.raw(sync);
  }
  return out.done();
}

export interface AvroFile {
  meta: Record<string, string>;
  records: Record<string, unknown>[];
}

/** Reads a container file written by us or another Iceberg writer (codec null or deflate). */
export async function readAvroFile(bytes: Uint8Array): Promise<AvroFile> {
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw new Error("not an Avro container file");
  const inp = new In(bytes);
  inp.pos = MAGIC.length;
  const meta = read(inp, { type: "map", values: "string" }, new Map()) as Record<string, string>;
  const schema = JSON.parse(meta["avro.schema"]) as AvroSchema;
  const codec = meta["avro.codec"] ?? "null";
  if (codec !== "null" && codec !== "deflate") throw new Error(`unsupported Avro codec ${codec}`);
  inp.take(16); // sync marker
  const records: Record<string, unknown>[] = [];
  const named: Named = new Map();
  while (inp.pos < bytes.length) {
    const count = inp.long();
    let block = inp.bytes();
    inp.take(16);
    if (codec === "deflate") block = await inflateRaw(block);
    const blockIn = new In(block);
    for (let i = 0; i < count; i++) records.push(read(blockIn, schema, named) as Record<string, unknown>);
  }
  return { meta, records };
}

/** Avro's deflate codec is raw RFC 1951 data, which DecompressionStream reads in both runtimes. */
async function inflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
