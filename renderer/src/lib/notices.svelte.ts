/** The one place errors (and short confirmations) are shown: a list the App renders as a live region. */
import { ApiError } from './api/index.js';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
  code?: string;
}

class Notices {
  items = $state<Notice[]>([]);
  #next = 1;

  error(err: unknown, context?: string): void {
    const text = err instanceof ApiError || err instanceof Error ? err.message : String(err);
    const code = err instanceof ApiError ? err.code : undefined;
    this.#push({ id: this.#next++, kind: 'error', text: context ? `${context}: ${text}` : text, ...(code ? { code } : {}) }, 12_000);
  }

  info(text: string): void {
    this.#push({ id: this.#next++, kind: 'info', text }, 4000);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((n) => n.id !== id);
  }

  #push(n: Notice, ttl: number): void {
    this.items = [...this.items.slice(-4), n];
    setTimeout(() => this.dismiss(n.id), ttl);
  }
}

export const notices = new Notices();

/** Runs an API call, reporting a failure once; resolves to undefined on error. */
export async function attempt<T>(p: Promise<T>, context?: string): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    notices.error(err, context);
    return undefined;
  }
}
