/**
 * API keys (issue 16): `dsk_<key id>_<secret>`. The id finds the key's row; the secret is 32
 * random bytes (256 bits, so a plain SHA-256 is a sound verifier: nothing to brute-force), shown
 * once at creation, and only its SHA-256 is stored.
 */
const PREFIX = "dsk_";

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export async function sha256Hex(text: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

export function newKey(): { keyId: string; secret: string; token: string } {
  const keyId = hex(crypto.getRandomValues(new Uint8Array(8)));
  const secret = base64url(crypto.getRandomValues(new Uint8Array(32)));
  return { keyId, secret, token: `${PREFIX}${keyId}_${secret}` };
}

/** Splits a presented API key, or null when the token is not one (then it may be a JWT). */
export function parseKey(token: string): { keyId: string; secret: string } | null {
  if (!token.startsWith(PREFIX)) return null;
  const rest = token.slice(PREFIX.length);
  const sep = rest.indexOf("_");
  if (sep <= 0 || sep === rest.length - 1) return null;
  return { keyId: rest.slice(0, sep), secret: rest.slice(sep + 1) };
}

/** Compares two equal-length hex digests without an early exit. */
export function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
