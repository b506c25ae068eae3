import { decodeBase64, encodeBase64 } from "../core/base64";

const bytesToBase64 = encodeBase64;
function base64ToBytes(text: string): Uint8Array {
  const b = decodeBase64(text);
  if (!b) throw new Error("not base64");
  return b;
}

/**
 * Credentials at rest (issue 18): AES-256-GCM through WebCrypto. The key is the Worker secret
 * BRIDGE_KEY (32 bytes, base64) in production; locally the catalog generates one once and keeps
 * it in its persisted state. Each value gets a fresh 96-bit IV, stored with the ciphertext as
 * "v1:<iv b64>:<ciphertext b64>". The bridge name is the additional data, so a ciphertext copied
 * to another bridge does not decrypt.
 */
export async function importKey(base64: string): Promise<CryptoKey> {
  const raw = base64ToBytes(base64.trim());
  if (raw.length !== 32) throw new Error(`BRIDGE_KEY must be 32 bytes of base64 (got ${raw.length} bytes)`);
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export function newKeyBase64(): string {
  return bytesToBase64(crypto.getRandomValues(new Uint8Array(32)));
}

export async function encrypt(key: CryptoKey, plaintext: string, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) }, key, new TextEncoder().encode(plaintext));
  return `v1:${bytesToBase64(iv)}:${bytesToBase64(new Uint8Array(ct))}`;
}

export async function decrypt(key: CryptoKey, sealed: string, context: string): Promise<string> {
  const [v, iv, ct] = sealed.split(":");
  if (v !== "v1" || !iv || !ct) throw new Error("credential is not in the v1 sealed format");
  const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: base64ToBytes(iv), additionalData: new TextEncoder().encode(context) }, key, base64ToBytes(ct));
  return new TextDecoder().decode(pt);
}
