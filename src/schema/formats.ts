/**
 * String formats inference reports, with JSON Schema 2020-12's names. A value has a format only
 * when our own (deliberately narrow) pattern AND the validator's format assertion both accept it,
 * so a schema we infer never asserts a format its own sample would fail (the property test checks
 * this). Near misses (month 13, 30 February, a 3-octet address, a uuid one digit short) are
 * refused, so one malformed value keeps a field from claiming a format.
 */
import { format as assertFormat } from "@cfworker/json-schema";

export type StringFormat = "date-time" | "date" | "uuid" | "email" | "uri" | "ipv4";

/** Checked most specific first; a string gets at most one format. */
export const FORMATS: ReadonlyArray<StringFormat> = ["date-time", "date", "uuid", "ipv4", "email", "uri"];

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// RFC 3339 date-time: 'T' (or 't') separator, seconds required, optional fraction, Z or ±hh:mm.
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
// A practical address: one '@', no spaces, a dotted domain of letters/digits/hyphens with a 2+ letter TLD.
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
// Absolute URIs with an authority (scheme://host...) or the common authority-less schemes.
// "host:port" or "key:value" would be URIs by RFC 3986's grammar but are rarely meant as one.
const URI = /^(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#@]+(?:@[^\s/?#]+)?[^\s]*|(?:mailto|urn|tel|data):[^\s]+)$/;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (mo === 2 && leap ? 29 : DAYS[mo - 1]);
}

function validDateTime(s: string): boolean {
  const m = DATE_TIME.exec(s);
  if (!m || !validDate(m[1])) return false;
  // Leap seconds (":60") are left out: valid only at 23:59 UTC, and too rare to type a field by.
  if (Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[4]) > 59) return false;
  return m[5] === undefined || (Number(m[5]) <= 23 && Number(m[6]) <= 59);
}

const OURS: Record<StringFormat, (s: string) => boolean> = {
  "date-time": validDateTime,
  date: validDate,
  uuid: (s) => UUID.test(s),
  ipv4: (s) => IPV4.test(s),
  email: (s) => s.length <= 254 && EMAIL.test(s),
  uri: (s) => URI.test(s),
};

const CHECKS = Object.fromEntries(
  FORMATS.map((f) => [f, (s: string) => OURS[f](s) && (assertFormat as Record<string, (s: string) => boolean>)[f](s)]),
) as Record<StringFormat, (s: string) => boolean>;

/** The format `s` has, or null. Cheap first-character and length guards keep plain strings fast. */
export function detectFormat(s: string): StringFormat | null {
  if (s.length < 5 || s.length > 2048) return null; // shortest: "tel:1"
  for (const f of FORMATS) if (CHECKS[f](s)) return f;
  return null;
}

export function hasFormat(s: string, f: StringFormat): boolean {
  return CHECKS[f](s);
}
