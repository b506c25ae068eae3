import type { Env } from "../../../src/env";

/**
 * Fake: `env` whose PARTITIONS namespace hands out the real partition objects, except that
 * `append` on the chosen ones throws before reaching the object, as a call to a crashed, reset
 * or unreachable Durable Object does. The engine under test is otherwise the real one.
 * `throwsOn` receives the object's name (`${topicId}/${partition}`).
 */
export function withThrowingAppend(env: Env, throwsOn: (name: string) => boolean): Env & { appendsThrown: () => number } {
  const real = env.PARTITIONS;
  const names = new Map<string, string>();
  let thrown = 0;
  const partitions = {
    idFromName(name: string) {
      const id = real.idFromName(name);
      names.set(id.toString(), name);
      return id;
    },
    get(id: DurableObjectId) {
      const stub = real.get(id);
      const name = names.get(id.toString());
      if (name === undefined || !throwsOn(name)) return stub;
      return new Proxy(stub, {
        get(target, prop) {
          if (prop !== "append") return Reflect.get(target, prop);
          return async () => {
            thrown++;
            throw new Error(`fake: the partition object ${name} is unreachable`);
          };
        },
      });
    },
  } as unknown as Env["PARTITIONS"];
  return { ...env, PARTITIONS: partitions, appendsThrown: () => thrown };
}
