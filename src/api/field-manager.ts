/**
 * The field manager of every server-side apply Strata makes (the agent's applies, bootstrap,
 * `strata diff`'s dry-runs, the agent's CRDs): the owner that diff and drift look for in
 * `managedFields`.
 */
export const FIELD_MANAGER = 'strata';
