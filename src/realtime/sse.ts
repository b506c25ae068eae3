/**
 * Server-sent events framing (WHATWG HTML, "Server-sent events"): `field: value` lines ended by a
 * blank line; a line starting with ':' is a comment (our heartbeat). `data` never holds a newline
 * here: the records' JSON is single-line (the fetch rendering; JSON strings escape newlines).
 */
export function sseEvent(e: { id?: string; event?: string; data: string }): string {
  return `${e.id !== undefined ? `id: ${e.id}\n` : ""}${e.event ? `event: ${e.event}\n` : ""}data: ${e.data}\n\n`;
}

export const sseRetry = (ms: number) => `retry: ${ms}\n\n`;
export const sseComment = (text: string) => `: ${text}\n\n`;
