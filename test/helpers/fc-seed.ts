/**
 * The seed of a property: `FC_SEED` (as test/setup-fast-check.ts sets it
 * for every property) plus an offset that keeps properties of one file from
 * drawing the same cases. `FC_SEED=123 npm test` hunts with other seeds in
 * every property, including those that name their own.
 */
export const FC_SEED = Number(process.env.FC_SEED ?? 20261127);

export function propertySeed(offset = 0): number {
  return FC_SEED + offset;
}
