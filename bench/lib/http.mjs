// A small keep-alive HTTP client on node:http: cheaper per request than fetch, which matters when
// the load generator shares 2 cores with wrangler and workerd.
import http from "node:http";

const IDLE_SOCKET_MS = 4_000;

export class HttpError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path} → ${status}: ${body.slice(0, 300)}`);
    this.status = status;
  }
}

/**
 * `request(method, path, body?)` resolves { status, body } once the whole response has arrived
 * (that instant is what latency measurements use). A string/Buffer body is sent as is, anything
 * else as JSON. `json(...)` additionally requires a 2xx status and parses the body.
 */
export function createClient(baseUrl, { maxSockets = 128, timeoutMs = 60_000, headers: extraHeaders = {} } = {}) {
  const url = new URL(baseUrl);
  // Idle pooled sockets are dropped after 4 s, before workerd closes them (~5 s idle).
  const agent = new http.Agent({ keepAlive: true, maxSockets, timeout: IDLE_SOCKET_MS });

  function request(method, path, body, retried = false) {
    const payload = body === undefined || typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const headers = { ...extraHeaders, ...(payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }) };
    return new Promise((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, method, path, agent, headers }, (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no response within ${timeoutMs} ms`)));
      req.on("error", (err) => {
        // A pooled connection the server closed just as this request went out: re-send a read once.
        if (!retried && req.reusedSocket && err.code === "ECONNRESET" && (method === "GET" || method === "HEAD")) resolve(request(method, path, body, true));
        else reject(err);
      });
      req.end(payload);
    });
  }

  async function json(method, path, body) {
    const res = await request(method, path, body);
    if (res.status < 200 || res.status > 299) throw new HttpError(method, path, res.status, res.body);
    return JSON.parse(res.body);
  }

  /**
   * Drops the pooled idle sockets. A suite calls it after synchronous work that blocked the event
   * loop past workerd's ~5 s idle close: the agent's 4 s idle timer could not fire meanwhile, and
   * a POST sent on such a socket fails with "socket hang up" (it is not re-sent: it may not be a read).
   */
  function dropIdle() {
    for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
  }

  return { baseUrl, request, json, dropIdle, close: () => agent.destroy() };
}
