/**
 * Group decomposition of a conditional space (Optuna's `_GroupDecomposedSearchSpace`, used by its
 * TPE with `group=True`): the searched parameters are partitioned into groups whose members always
 * appear together in a trial. Each group then gets its own multivariate density, fitted only on the
 * trials that have that group, so a branch's parameters are modelled from the trials that took the
 * branch instead of being padded with the prior where they are absent.
 */

/**
 * Refines a partition with each trial's parameter set in turn: every group splits into the part the
 * trial has and the part it lacks, and the trial's parameters in no group yet form a new group.
 * Deterministic: groups come out in first-appearance order, members in `order` (the encoding's order).
 */
export function decomposeGroups(paramSets: Iterable<ReadonlySet<string>>, order: readonly string[]): string[][] {
  const rank = new Map(order.map((name, i) => [name, i]));
  let groups: string[][] = [];
  for (const present of paramSets) {
    const searched = [...present].filter((name) => rank.has(name));
    const remaining = new Set(searched);
    const next: string[][] = [];
    for (const group of groups) {
      const inside = group.filter((name) => remaining.has(name));
      const outside = group.filter((name) => !remaining.has(name));
      for (const name of group) remaining.delete(name);
      if (inside.length) next.push(inside);
      if (outside.length) next.push(outside);
    }
    if (remaining.size) next.push([...remaining].sort((a, b) => rank.get(a)! - rank.get(b)!));
    groups = next;
  }
  return groups;
}
