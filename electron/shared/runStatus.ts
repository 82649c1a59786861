/** The run lifecycle's vocabulary, shared by the store (which enforces it) and the UI (which filters by it). */
/** Lifecycle of a run. `interrupted` = its owning process died while it was queued or running. */
export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses after which a run never runs again (an `interrupted` run may be resumed). */
export const FINAL_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];
