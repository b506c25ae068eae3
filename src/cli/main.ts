import { GLOBAL_OPTIONS, parse } from "./args.js";
import type { Command, Ctx } from "./command.js";
import { consume } from "./consume.js";
import { errorLine, EXIT, exitCodeOf, UsageError } from "./errors.js";
import { groupsDescribe, groupsLag, groupsList, groupsReset } from "./groups.js";
import { Api } from "./http.js";
import { produce } from "./produce.js";
import { stats } from "./stats.js";
import { topicsAlter, topicsCreate, topicsDelete, topicsDescribe, topicsList } from "./topics.js";
import { parseArgs } from "node:util";

/**
 * `dostream <command>`: the engine from a shell, over its HTTP API (admin) and the SDK's Producer
 * and Consumer (records). docs/cli.md has every command; `dostream --help` lists them.
 */
const COMMANDS: Record<string, Command> = {
  "topics list": topicsList,
  "topics create": topicsCreate,
  "topics describe": topicsDescribe,
  "topics delete": topicsDelete,
  "topics alter": topicsAlter,
  produce,
  consume,
  "groups list": groupsList,
  "groups describe": groupsDescribe,
  "groups lag": groupsLag,
  "groups reset": groupsReset,
  stats,
};

const DEFAULT_URL = "http://127.0.0.1:8787";

const HELP = `dostream: a command line for the dostream engine

Usage: dostream <command> [options]

Commands:
${Object.values(COMMANDS)
  .map((c) => `  ${c.usage}\n      ${c.summary}`)
  .join("\n")}

Options for every command:
  --url URL      the engine (default: $DOSTREAM_URL, else ${DEFAULT_URL})
  --token T      bearer token (default: $DOSTREAM_TOKEN)
  --json         machine-readable output (the engine's JSON; consume: one object per line)
  -h, --help     this help

Exit codes: 0 ok, 1 engine failure, 2 bad arguments, 3 refused by the engine (4xx),
4 not found, 5 engine unreachable. Errors print "error CODE: message" on stderr.
`;

export async function main(argv: string[], io: Pick<Ctx, "stdin"> & { stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream } = process): Promise<number> {
  try {
    // A first, loose pass finds the command words; the command's own strict pass checks every flag.
    const loose = parseArgs({ args: argv, options: GLOBAL_OPTIONS, allowPositionals: true, strict: false });
    const [first, second] = loose.positionals;
    const name = first !== undefined && COMMANDS[first] ? first : `${first} ${second}`;
    const command = COMMANDS[name];
    if (!command) {
      if (loose.values.help) {
        io.stdout.write(HELP);
        return EXIT.OK;
      }
      if (first === undefined) {
        // No command at all: the help, on stderr, as a usage error (a script's typo should not pass).
        io.stderr.write(HELP);
        return EXIT.USAGE;
      }
      throw new UsageError(`unknown command "${[first, second].filter(Boolean).join(" ")}"; dostream --help lists the commands`);
    }
    const parsed = parse(argv, command.options);
    // Drop the command words (the first positionals) so positionals[0] is the command's first argument.
    parsed.positionals.splice(0, name.split(" ").length);
    if (parsed.values.help) {
      io.stdout.write(`Usage: dostream ${command.usage}\n  ${command.summary}\n`);
      return EXIT.OK;
    }
    const url = (parsed.values.url as string | undefined) ?? process.env.DOSTREAM_URL ?? DEFAULT_URL;
    const token = (parsed.values.token as string | undefined) ?? process.env.DOSTREAM_TOKEN ?? undefined;
    const ctx: Ctx = {
      api: new Api(url, token),
      connection: { url, ...(token && { token }) },
      out: { json: parsed.values.json === true, stdout: io.stdout, stderr: io.stderr },
      stdin: io.stdin,
    };
    return (await command.run(parsed, ctx)) ?? EXIT.OK;
  } catch (err) {
    io.stderr.write(errorLine(err) + "\n");
    return exitCodeOf(err);
  }
}

process.exitCode = await main(process.argv.slice(2));
