/** A tiny typed event emitter (no `node:events`: the SDK also runs in Workers). */
export class Emitter<Events extends Record<string, unknown[]>> {
  private readonly listeners = new Map<keyof Events, Set<(...args: never[]) => unknown>>();

  /** Adds a listener; returns `this` for chaining. */
  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => unknown): this {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(listener as (...args: never[]) => unknown);
    return this;
  }

  off<K extends keyof Events>(event: K, listener: (...args: Events[K]) => unknown): this {
    this.listeners.get(event)?.delete(listener as (...args: never[]) => unknown);
    return this;
  }

  protected listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** A throwing listener must not break the client's loop; its error is reported, not rethrown. */
  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        void (listener as (...a: Events[K]) => unknown)(...args);
      } catch (err) {
        console.error(`dostream: a '${String(event)}' listener threw`, err);
      }
    }
  }
}
