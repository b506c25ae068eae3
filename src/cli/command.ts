import type { ParseArgsConfig } from "node:util";
import type { Parsed } from "./args.js";
import type { Api } from "./http.js";
import type { Out } from "./output.js";

/** What every command gets: the engine (HTTP, and the SDK's connection options) and where to print. */
export interface Ctx {
  api: Api;
  connection: { url: string; token?: string };
  out: Out;
  stdin: NodeJS.ReadableStream;
}

export interface Command {
  /** `topics create <name> [--partitions N] …`: the usage line, also the help. */
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  /** Resolves to the exit code (0 unless the command itself decides otherwise). */
  run(p: Parsed, ctx: Ctx): Promise<number | void>;
}
