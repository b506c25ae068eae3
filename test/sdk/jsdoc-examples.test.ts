import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// STYLE rule 12: public API has JSDoc with a short @example. This checks that every such example
// (and every ```ts block in a JSDoc comment) in src/sdk still compiles against the SDK's types, so
// a renamed option or method breaks a test rather than silently rotting in the docs.
//
// Each example becomes its own module: `import { <every export> } from 'dostream/db/stream'`, a
// prelude declaring the names examples assume (env, admin, producer, order…), and the example as
// the body of an async function (so top-level await works and an example's own `const producer`
// shadows the prelude's instead of clashing with it). The files sit in a temp folder inside the
// repo and are compiled with test/sdk/tsconfig.json's options, which map 'dostream/db/stream' to
// src/sdk/index.ts, so no build is needed.

const root = resolve(import.meta.dirname, "../..");
const sdkDir = join(root, "src/sdk");

interface Example {
  /** e.g. "src/sdk/admin.ts:59 listTopics" */
  label: string;
  /** src/sdk-relative path of the source file, for per-file prelude overrides. */
  source: string;
  code: string;
}

/** Names the examples use without defining them. Values stay loose: an example shows a call, not a program. */
const PRELUDE: Record<string, string> = {
  OrderEvent: "interface OrderEvent { customerId: string; total: number }",
  Order: "type Order = OrderEvent",
  env: "declare const env: { STREAM: StreamServiceBinding; STREAM_TOKEN: string }",
  order: "declare const order: Order",
  admin: "declare const admin: AdminClient",
  orders: "declare const orders: Topic<OrderEvent>",
  producer: "declare const producer: Producer",
  consumer: "declare const consumer: Consumer<OrderEvent>",
  message: "declare const message: Message<OrderEvent>",
  processOrder: "declare function processOrder(value: unknown): Promise<void>",
  bill: "declare function bill(value: unknown): Promise<void>",
  handle: "declare function handle(value: unknown): Promise<void>",
};

/** The KafkaJS-shaped facade's examples mean its own producer and consumer. */
const PRELUDE_BY_FILE: Record<string, Record<string, string>> = {
  "kafka/producer.ts": { producer: "declare const producer: KafkaProducer" },
  "kafka/consumer.ts": { consumer: "declare const consumer: KafkaConsumer" },
};

function sdkFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sdkFiles(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** What the comment documents: the name on the first code line after it (for failure messages). */
function documentedName(after: string): string {
  const line = after.split("\n").find((l) => l.trim() !== "") ?? "";
  const m = /\b(?:class|function|interface|type|const|let)\s+([\w$]+)/.exec(line) ?? /^\s*(?:(?:public|private|protected|static|readonly|async|get|set)\s+)*([\w$]+)\s*[(<:=]/.exec(line);
  return m?.[1] ?? "?";
}

/** Fenced ```ts / ```typescript blocks in a piece of comment text, with where each starts. */
function fences(text: string): Array<{ code: string; at: number }> {
  return [...text.matchAll(/```(?:ts|typescript)[^\n]*\n([\s\S]*?)```/g)].map((m) => ({ code: m[1], at: m.index }));
}

/** Every @example body and ```ts block of every JSDoc comment in src/sdk. */
function extractExamples(): Example[] {
  const examples: Example[] = [];
  for (const file of sdkFiles(sdkDir).sort()) {
    const text = readFileSync(file, "utf8");
    const source = relative(sdkDir, file).split("\\").join("/");
    for (const m of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
      const commentLine = text.slice(0, m.index).split("\n").length;
      const name = documentedName(text.slice(m.index + m[0].length));
      // Strip the comment margin (" * "; lines stay lines), then split at block tags (a line starting with @tag).
      const body = m[1].split("\n").map((l) => l.replace(/^\s*\* ?/, "")).join("\n");
      let offset = 0;
      for (const section of body.split(/^(?=\s*@\w+)/m)) {
        const start = offset;
        const lineOf = (i: number) => commentLine + body.slice(0, start + i).split("\n").length - 1;
        offset += section.length;
        const example = /^\s*@example\b([\s\S]*)$/.exec(section);
        const blocks =
          example && fences(example[1]).length === 0
            ? [{ code: example[1].replace(/<caption>[\s\S]*?<\/caption>/, ""), at: section.indexOf("@example") }]
            : fences(section);
        for (const { code, at } of blocks) {
          if (code.trim() === "") continue;
          examples.push({ label: `${relative(root, file)}:${lineOf(at)} ${name}`, source, code: code.trim() });
        }
      }
    }
  }
  return examples;
}

/** The SDK's public names, from the export lists of src/sdk/index.ts. */
function publicNames(): string[] {
  const path = join(sdkDir, "index.ts");
  const sf = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.ES2022);
  const names: string[] = [];
  sf.forEachChild((node) => {
    if (ts.isExportDeclaration(node) && node.exportClause && ts.isNamedExports(node.exportClause)) {
      for (const e of node.exportClause.elements) names.push(e.name.text);
    }
  });
  return names;
}

/** 0-based line of the example's first line in its module: after the header, the import and the prelude. */
const CODE_FIRST_LINE = 3 + Object.keys(PRELUDE).length;

function moduleFor(example: Example, exported: string[]): string {
  // Overrides replace prelude entries by name, so every module has the same number of prelude lines.
  const prelude = { ...PRELUDE, ...PRELUDE_BY_FILE[example.source] };
  if (Object.keys(prelude).length !== Object.keys(PRELUDE).length) throw new Error(`PRELUDE_BY_FILE may only replace PRELUDE names (${example.source})`);
  // `{ ... }` is the docs' "your code here"; an empty block with a comment says the same and compiles.
  const code = example.code.replace(/\{\s*\.\.\.\s*\}/g, "{ /* ... */ }");
  return [
    `// ${example.label}`,
    `import { ${exported.join(", ")} } from "dostream/db/stream";`,
    ...Object.values(prelude),
    "export async function example(): Promise<void> {",
    code,
    "}",
    "",
  ].join("\n");
}

const examples = extractExamples();

describe("JSDoc examples in src/sdk", () => {
  let dir = "";
  const files = new Map<string, string>(); // label → temp file
  let program: ts.Program;

  beforeAll(() => {
    const exported = publicNames();
    // Inside the repo, like a user's project next to the package; removed in afterAll.
    dir = mkdtempSync(join(root, ".jsdoc-check-"));
    examples.forEach((ex, i) => {
      const file = join(dir, `example-${String(i).padStart(2, "0")}.ts`);
      writeFileSync(file, moduleFor(ex, exported));
      files.set(ex.label, file);
    });
    const config = ts.getParsedCommandLineOfConfigFile(join(root, "test/sdk/tsconfig.json"), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    });
    if (!config) throw new Error("could not read test/sdk/tsconfig.json");
    program = ts.createProgram([...files.values()], { ...config.options, noEmit: true });
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("finds the examples (a comment-format change must not silently skip them all)", () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
  });

  it("every class the package exports has a JSDoc @example (issue 14)", () => {
    const exported = new Set(publicNames());
    const missing: string[] = [];
    for (const file of sdkFiles(sdkDir)) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?export class (\w+)/g)) {
        if (exported.has(m[2]) && !(m[1] ?? "").includes("@example")) missing.push(`${relative(root, file)} ${m[2]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("compiler options are valid", () => {
    const problems = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
    expect(problems.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual([]);
  });

  it.each(examples.map((ex) => [ex.label, ex] as const))("%s compiles", (_label, ex) => {
    const file = files.get(ex.label)!;
    const sf = program.getSourceFile(file);
    expect(sf, `${file} is part of the program`).toBeDefined();
    const diagnostics = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    const messages = diagnostics.map((d) => {
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      // The temp file is gone after the run: point into the example itself.
      const where = !at ? "" : d.file === sf ? `example line ${at.line + 1 - CODE_FIRST_LINE}:${at.character + 1}` : `${relative(root, d.file!.fileName)}:${at.line + 1}:${at.character + 1}`;
      return `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
    expect(messages, `the @example of ${ex.label} does not compile:\n${ex.code}\n`).toEqual([]);
  });
});
