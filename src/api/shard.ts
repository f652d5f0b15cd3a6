/**
 * Sharding by label, as Flux does with `sharding.fluxcd.io/key`: a Sync or ImageUpdate
 * labelled `strata.dev/shard: <key>` is reconciled only by the agents started with
 * `--shard <key>`; the agents started without `--shard` take every object without the label.
 * The apiserver filters by the label selector, so each shard lists, watches and holds only its
 * own objects, and every object matches exactly one selector. Each shard elects its own leader
 * with a Lease of its own name.
 */

export const SHARD_LABEL = 'strata.dev/shard';

/** The Lease of the agents without a shard (the name it always had). */
export const DEFAULT_LEASE_NAME = 'strata-agent';

// A label value that is also a DNS label, so that it can end the shard's Lease name.
const SHARD_KEY = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A shard key that cannot be a label value and part of a Lease name. */
export class InvalidShardError extends Error {
  override readonly name = 'InvalidShardError';
  constructor(readonly shard: string) {
    super(`shard ${JSON.stringify(shard)}: use lowercase letters, digits and '-' (at most 63, starting and ending with a letter or digit)`);
  }
}

/** Throws InvalidShardError unless `shard` is a DNS label (it is a label value and part of a Lease name). */
export function validateShard(shard: string): string {
  if (shard.length > 63 || !SHARD_KEY.test(shard)) throw new InvalidShardError(shard);
  return shard;
}

/** The label selector of a shard's agents: `strata.dev/shard=<key>`, or `!strata.dev/shard` without a shard. */
export function shardSelector(shard: string | undefined): string {
  return shard === undefined ? `!${SHARD_LABEL}` : `${SHARD_LABEL}=${validateShard(shard)}`;
}

/** The Lease a shard's replicas compete for: `strata-agent-shard-<key>`, or `strata-agent` without a shard. */
export function shardLeaseName(shard: string | undefined): string {
  return shard === undefined ? DEFAULT_LEASE_NAME : `${DEFAULT_LEASE_NAME}-shard-${validateShard(shard)}`;
}

/** The shard an object belongs to: its `strata.dev/shard` label, undefined for the default shard. */
export function shardOf(object: { readonly metadata: { readonly labels?: Readonly<Record<string, string>> } }): string | undefined {
  return object.metadata.labels?.[SHARD_LABEL];
}
