/**
 * What the engine does to one object: a closed set, as Flux's ssa actions, each with the
 * form diff uses for what applying would do (`created` → `create`).
 */
export const PLANNED_ACTION = { created: 'create', configured: 'update', unchanged: 'none', deleted: 'delete', skipped: 'skip' } as const;

/** What apply (or prune) did to one object. */
export type ApplyAction = keyof typeof PLANNED_ACTION;

/** What applying would do to one object. */
export type DiffAction = (typeof PLANNED_ACTION)[ApplyAction];
