/** The Compare view's "Combine into an ensemble": the optional name, the request in flight, and what it made. */
import type { ApiClient, ModelChoice } from '../../../electron/contract/contract.js';

export class EnsembleMaker {
  /** Optional; the service names it after its runs when empty. */
  name = $state('');
  busy = $state(false);
  /** The ensemble just made (as the Live picker lists it). */
  made = $state.raw<ModelChoice | null>(null);

  readonly #api: ApiClient;

  constructor(api: ApiClient) {
    this.#api = api;
  }

  /** Combines the exported models of `runIds` (2–8, in this order) into one model, recorded for the Live picker. */
  async make(runIds: readonly number[]): Promise<ModelChoice> {
    if (runIds.length < 2) throw new Error('an ensemble needs at least two runs with an exported model');
    this.busy = true;
    try {
      const name = this.name.trim();
      this.made = await this.#api.makeEnsemble({ runIds: [...runIds], ...(name ? { name } : {}) });
      return this.made;
    } finally {
      this.busy = false;
    }
  }
}
