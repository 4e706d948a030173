/**
 * Spreading affected tasks over N CI runners without Nx Cloud: the pure plan.
 *
 * A project goes in the first wave after every affected project it depends on, so when wave k
 * runs, everything it builds on was built in an earlier wave and is in the shared cache. Within a
 * wave the projects are dealt out to the shards in name order. Every affected project is in
 * exactly one (wave, shard): together the runners build each once.
 */
export interface ShardPlan {
  shards: number;
  /** waves[k][i]: the projects shard i builds in wave k. */
  waves: string[][][];
}

/** Wave numbers: 0 for a project with no affected dependency, else one more than its latest. */
export function waveOf(affected: readonly string[], dependencies: Readonly<Record<string, readonly string[]>>): Map<string, number> {
  const inSet = new Set(affected);
  const waves = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (project: string): number => {
    const known = waves.get(project);
    if (known !== undefined) return known;
    if (visiting.has(project)) throw new Error(`the project graph has a cycle through ${project}`);
    visiting.add(project);
    const deps = (dependencies[project] ?? []).filter((dep) => inSet.has(dep) && dep !== project);
    const wave = deps.length === 0 ? 0 : Math.max(...deps.map(visit)) + 1;
    visiting.delete(project);
    waves.set(project, wave);
    return wave;
  };
  for (const project of affected) visit(project);
  return waves;
}

export function planShards(affected: readonly string[], dependencies: Readonly<Record<string, readonly string[]>>, shards: number): ShardPlan {
  if (!Number.isInteger(shards) || shards < 1) throw new Error(`the number of shards must be a whole number of at least 1, not ${shards}`);
  const waveNumbers = waveOf(affected, dependencies);
  const depth = affected.length === 0 ? 0 : Math.max(...waveNumbers.values()) + 1;
  const waves: string[][][] = Array.from({ length: depth }, () => Array.from({ length: shards }, () => []));
  for (let k = 0; k < depth; k++) {
    const members = [...waveNumbers].filter(([, wave]) => wave === k).map(([project]) => project).sort();
    members.forEach((project, i) => waves[k][i % shards].push(project));
  }
  return { shards, waves };
}

/** What shard `shard` builds in wave `wave` (nothing when the plan has fewer waves). */
export function projectsOf(plan: ShardPlan, wave: number, shard: number): string[] {
  if (shard < 0 || shard >= plan.shards) throw new Error(`shard ${shard} is not one of 0..${plan.shards - 1}`);
  return plan.waves[wave]?.[shard] ?? [];
}
