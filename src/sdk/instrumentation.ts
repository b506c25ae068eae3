import type { Transport } from "./transport/types.js";

/**
 * Log and instrumentation hooks, shaped as KafkaJS's (issue 14, section 6): a `logCreator`
 * receives every log entry at or above `logLevel`, and clients emit instrumentation events
 * (`consumer.events.GROUP_JOIN`, …) with `{ id, type, timestamp, payload }`.
 */

/** KafkaJS's levels: a logger gets entries whose level is at or below the configured one. */
export const logLevel = { NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 } as const;
export type LogLevel = (typeof logLevel)[keyof typeof logLevel];

export interface LogEntry {
  /** Which client logged: "Producer", "Consumer", "ConsumerGroup". */
  namespace: string;
  level: LogLevel;
  label: "ERROR" | "WARN" | "INFO" | "DEBUG";
  log: { timestamp: string; message: string; [field: string]: unknown };
}

/**
 * KafkaJS's logCreator: called once per client with the configured level; returns the function
 * that receives each entry.
 *
 * @example
 * const entries: LogEntry[] = []
 * const consumer = new Consumer('orders', { groupId: 'billing', logLevel: logLevel.INFO, logCreator: () => (entry) => entries.push(entry) })
 */
export type LogCreator = (level: LogLevel) => (entry: LogEntry) => void;

/** The options every client takes for logging. */
export interface LogOptions {
  /** Entries at or below this level are logged. Default logLevel.WARN. */
  logLevel?: LogLevel;
  /** Where entries go. Default: the console (console.error / warn / info / debug). */
  logCreator?: LogCreator;
}

const LABELS: Record<number, LogEntry["label"]> = { 1: "ERROR", 2: "WARN", 4: "INFO", 5: "DEBUG" };

const consoleLogCreator: LogCreator = () => (entry) => {
  const { message, timestamp: _t, ...fields } = entry.log;
  const line = `dostream [${entry.namespace}] ${message}`;
  const extra = Object.keys(fields).length > 0 ? [fields] : [];
  if (entry.level === logLevel.ERROR) console.error(line, ...extra);
  else if (entry.level === logLevel.WARN) console.warn(line, ...extra);
  else if (entry.level === logLevel.INFO) console.info(line, ...extra);
  else console.debug(line, ...extra);
};

/** A client's logger: drops entries above the level, and never lets a throwing logCreator break the client. */
export class Logger {
  private readonly level: LogLevel;
  private readonly sink: (entry: LogEntry) => void;

  constructor(private readonly namespace: string, options: LogOptions = {}) {
    this.level = options.logLevel ?? logLevel.WARN;
    this.sink = (options.logCreator ?? consoleLogCreator)(this.level);
  }

  error(message: string, fields: Record<string, unknown> = {}): void {
    this.log(logLevel.ERROR, message, fields);
  }
  warn(message: string, fields: Record<string, unknown> = {}): void {
    this.log(logLevel.WARN, message, fields);
  }
  info(message: string, fields: Record<string, unknown> = {}): void {
    this.log(logLevel.INFO, message, fields);
  }
  debug(message: string, fields: Record<string, unknown> = {}): void {
    this.log(logLevel.DEBUG, message, fields);
  }

  private log(level: LogLevel, message: string, fields: Record<string, unknown>): void {
    if (level > this.level || level === logLevel.NOTHING) return;
    try {
      this.sink({ namespace: this.namespace, level, label: LABELS[level], log: { timestamp: new Date().toISOString(), message, ...fields } });
    } catch {
      // A logger that throws must not turn a log line into a failed produce or poll.
    }
  }
}

/** An instrumentation event, as KafkaJS emits them. */
export interface InstrumentationEvent<P> {
  id: number;
  type: string;
  timestamp: number;
  payload: P;
}

/** `*.network.request`: one call to the engine (an HTTP request or a binding call). */
export interface RequestPayload {
  /** The transport operation, e.g. "produce", "fetchMany", "heartbeat". */
  method: string;
  durationMs: number;
  /** The failure's code and message, when it failed. */
  error?: { code: string; message: string };
}

let nextEventId = 0;

export function instrumentationEvent<P>(type: string, payload: P): InstrumentationEvent<P> {
  return { id: nextEventId++, type, timestamp: Date.now(), payload };
}

/**
 * Wraps a transport so every call reports a RequestPayload (timed, with its error code) to
 * `onRequest`. A Proxy, so a transport's optional methods (fetchMany) stay optional.
 */
export function instrumentTransport(transport: Transport, onRequest: (p: RequestPayload) => void): Transport {
  return new Proxy(transport, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const started = Date.now();
        const report = (error?: unknown) => {
          const e = error as { code?: unknown; message?: unknown } | undefined;
          onRequest({
            method: String(property), durationMs: Date.now() - started,
            ...(error !== undefined && { error: { code: typeof e?.code === "string" ? e.code : "UNKNOWN", message: String(e?.message ?? error) } }),
          });
        };
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (result instanceof Promise) {
          return result.then(
            (v) => {
              report();
              return v;
            },
            (err) => {
              report(err);
              throw err;
            },
          );
        }
        return result;
      };
    },
  });
}
