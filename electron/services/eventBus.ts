/**
 * Fan-out of pushed events to every subscriber (each Electron window, each WebSocket). Payloads are checked
 * against the contract's event schema here, where they enter the API, so a malformed engine event shows up as
 * an error in the log instead of a broken chart in some window.
 */
import { eventSchemas, type EventMessage, type EventName } from '../contract/contract.js';
import type { ApiEvents } from '../contract/types.js';

export type BusListener = (msg: EventMessage) => void;

export class EventBus {
  readonly #listeners = new Set<BusListener>();

  subscribe(listener: BusListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  emit<E extends EventName>(name: E, payload: ApiEvents[E]): void {
    const checked = eventSchemas[name].safeParse(payload);
    if (!checked.success) {
      console.error(`event '${name}' does not match the contract, dropped: ${checked.error.message}`);
      return;
    }
    const msg = { name, payload: checked.data } as EventMessage;
    for (const l of [...this.#listeners]) {
      try {
        l(msg);
      } catch (err) {
        console.error(`event listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  get size(): number {
    return this.#listeners.size;
  }
}
