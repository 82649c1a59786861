/**
 * Which recipe of a sweep is best, and which of its trials to look at: one rule for `ser sweep`'s `best`, the app's
 * "Open best" and anything else that names a winner. Plain functions over the shapes `ser sweep show --json` prints.
 */

/** The recipe with the highest mean test UAR over its folds (the first of equals), or null when none has one. */
export function bestRecipe<R extends { meanUar: number | null }>(summary: readonly R[]): R | null {
  let best: R | null = null;
  for (const r of summary) if (r.meanUar !== null && (best === null || r.meanUar > best.meanUar!)) best = r;
  return best;
}

/** Parameters as a key: trials of one recipe carry the same object (stored once per trial, same key order). */
const paramsKey = (p: Record<string, unknown>) => JSON.stringify(p);

/**
 * The best recipe's completed trial with the highest test UAR (the first of equals), or null: the run "Open best"
 * shows. Trials are matched to their recipe by parameters.
 */
export function bestTrial<T extends { params: Record<string, unknown>; status: string; uar: number | null; runId: number | null }>(detail: {
  trials: readonly T[];
  summary: ReadonlyArray<{ params: Record<string, unknown>; meanUar: number | null }>;
}): T | null {
  const recipe = bestRecipe(detail.summary);
  if (!recipe) return null;
  const key = paramsKey(recipe.params);
  let best: T | null = null;
  for (const t of detail.trials) {
    if (t.status !== 'completed' || t.uar === null || t.runId === null || paramsKey(t.params) !== key) continue;
    if (best === null || t.uar > best.uar!) best = t;
  }
  return best;
}
