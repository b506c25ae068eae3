/**
 * `true` when A and B accept the same values (each assignable to the other), else `false`: pins a
 * hand-written interface the SDK ships (without zod) to the zod schema of the same answer.
 */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
