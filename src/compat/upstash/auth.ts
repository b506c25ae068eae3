/**
 * Basic credentials of an Upstash-style request (`Authorization: Basic base64(user:pass)`).
 * With auth off (the local default) any credentials, or none, are accepted; with auth on the
 * password is the API key or JWT (src/http/compat-upstash.ts, upstashAuth).
 */
export function parseBasicAuth(header: string | undefined): { username: string; password: string } | undefined {
  const m = header?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i);
  if (!m) return undefined;
  let text: string;
  try {
    text = atob(m[1]);
  } catch {
    return undefined;
  }
  const at = text.indexOf(":");
  return at < 0 ? undefined : { username: text.slice(0, at), password: text.slice(at + 1) };
}
