/**
 * Exact order of two JSON number literals, from their text. Filters compare record values kept as
 * text: a 64-bit id such as 9007199254740993 must not equal 9007199254740992 the way two JS
 * numbers would, so literals are compared as decimals (sign, digits, exponent), never as doubles.
 */
interface Decimal {
  negative: boolean;
  /** Significant digits without leading or trailing zeros ("" for zero). */
  digits: string;
  /** Position of the decimal point relative to the digits' start: value = 0.digits × 10^point. */
  point: number;
}

const LITERAL = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

function decimal(text: string): Decimal | null {
  const m = LITERAL.exec(text);
  if (!m) return null;
  const int = m[2]!;
  const frac = m[3] ?? "";
  const exp = m[4] ? Number(m[4]) : 0;
  let all = int + frac;
  let point = int.length + exp;
  const lead = all.length - all.replace(/^0+/, "").length;
  all = all.slice(lead);
  point -= lead;
  all = all.replace(/0+$/, "");
  if (all === "") return { negative: false, digits: "", point: 0 };
  return { negative: m[1] === "-", digits: all, point };
}

function compareMagnitude(a: Decimal, b: Decimal): number {
  if (a.digits === "" || b.digits === "") return a.digits === b.digits ? 0 : a.digits === "" ? -1 : 1;
  if (a.point !== b.point) return a.point < b.point ? -1 : 1;
  const n = Math.max(a.digits.length, b.digits.length);
  const x = a.digits.padEnd(n, "0");
  const y = b.digits.padEnd(n, "0");
  return x === y ? 0 : x < y ? -1 : 1;
}

/** -1, 0 or 1 as `a` is below, equal to or above `b`; null when either is not a JSON number literal. */
export function compareNumberText(a: string, b: string): number | null {
  const x = decimal(a);
  const y = decimal(b);
  if (!x || !y) return null;
  if (x.negative !== y.negative) return x.negative ? -1 : 1;
  const m = compareMagnitude(x, y);
  return x.negative ? -m : m;
}
