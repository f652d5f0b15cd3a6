/**
 * The names a cluster compiled into units shares between the compiler and the agent: the
 * root unit's folder and how the Sync of each unit is named, so the agent can tell the
 * Syncs of one cluster's units apart from any other Sync when an object moves between units.
 */

/** The unit of a cluster compiled into units that holds what no declared unit claims; the root Sync points at its folder. */
export const ROOT_UNIT = 'root';
/** Label on the Syncs the compiler generates for units: the unit's name. */
export const UNIT_LABEL = 'strata.dev/unit';

/** The Sync of a unit: `<cluster>-<unit>` in the root Sync's namespace; the root unit's is the root Sync, named after the cluster. */
export function unitSyncName(cluster: string, unit: string): string {
  return unit === ROOT_UNIT ? cluster : `${cluster}-${unit}`;
}
