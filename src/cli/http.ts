import { StreamError } from "../sdk/index.js";

/**
 * The engine's HTTP API as the admin commands use it: the JSON answers are printed as they come
 * (`--json` output is exactly docs/http-api.md's), and an error answer becomes a StreamError with
 * the engine's code and status, as the SDK's own transport does.
 */
export class Api {
  constructor(
    readonly url: string,
    private readonly token?: string,
  ) {}

  get<T = any>(path: string): Promise<T> {
    return this.call<T>("GET", path);
  }
  post<T = any>(path: string, body: unknown): Promise<T> {
    return this.call<T>("POST", path, body);
  }
  patch<T = any>(path: string, body: unknown): Promise<T> {
    return this.call<T>("PATCH", path, body);
  }
  delete<T = any>(path: string): Promise<T> {
    return this.call<T>("DELETE", path);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(this.url.replace(/\/+$/, "") + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new StreamError("NETWORK_ERROR", `cannot reach ${this.url}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) {
      const e = json?.error;
      if (e && typeof e.code === "string") {
        const { code, message, field, ...details } = e;
        throw new StreamError(code, String(message ?? code), { status: res.status, field, details });
      }
      throw new StreamError(res.status >= 500 ? "UNKNOWN_SERVER_ERROR" : "INVALID_REQUEST", `${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`, { status: res.status });
    }
    return json as T;
  }
}

export const enc = encodeURIComponent;
