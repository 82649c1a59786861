/** Listener registry shared by both clients: one typed map from event name to listeners. */
import { eventSchemas, type EventListener, type EventMessage, type EventName } from '../../../../electron/contract/contract.js';

export class EventHub {
  readonly #listeners = new Map<EventName, Set<(p: unknown) => void>>();

  on<E extends EventName>(name: E, listener: EventListener<E>): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener as (p: unknown) => void);
    return () => void set.delete(listener as (p: unknown) => void);
  }

  /** Validates an incoming message against the contract before anyone sees it. */
  dispatch(raw: unknown): void {
    const msg = raw as Partial<EventMessage>;
    if (!msg || typeof msg !== 'object' || typeof msg.name !== 'string' || !(msg.name in eventSchemas)) return;
    const name = msg.name as EventName;
    const parsed = eventSchemas[name].safeParse(msg.payload);
    if (!parsed.success) {
      console.warn(`event ${name} does not match the contract`, parsed.error.issues);
      return;
    }
    for (const l of this.#listeners.get(name) ?? []) l(parsed.data);
  }
}
