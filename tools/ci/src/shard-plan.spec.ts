import { describe, expect, it } from 'vitest';
import { planShards, projectsOf, waveOf } from './shard-plan';

// The demo graph's fixture family: initrd-busybox and what builds on it, on fixture-repo.
const deps = {
  'fixture-repo': [],
  'initrd-busybox': ['fixture-repo'],
  'initrd-busybox-storage': ['initrd-busybox', 'fixture-repo'],
  'initrd-busybox-rescue': ['initrd-busybox-storage'],
  'initrd-busybox-debug': ['initrd-busybox'],
  'sysext-storage': ['initrd-busybox'],
};

describe('planShards', () => {
  it('builds a project only in a wave after everything affected it builds on', () => {
    const affected = ['initrd-busybox-rescue', 'initrd-busybox', 'sysext-storage', 'initrd-busybox-storage', 'initrd-busybox-debug'];
    const waves = waveOf(affected, deps);
    for (const project of affected) {
      for (const dep of deps[project as keyof typeof deps]) if (affected.includes(dep)) expect(waves.get(project)).toBeGreaterThan(waves.get(dep) as number);
    }
    expect(planShards(affected, deps, 2).waves).toEqual([
      [['initrd-busybox'], []],
      [['initrd-busybox-debug', 'sysext-storage'], ['initrd-busybox-storage']],
      [['initrd-busybox-rescue'], []],
    ]);
  });

  it('puts every affected project in exactly one shard of one wave, whatever the number of shards', () => {
    const affected = Object.keys(deps);
    for (const shards of [1, 2, 3, 7]) {
      const plan = planShards(affected, deps, shards);
      expect(plan.waves.flat(2).sort()).toEqual([...affected].sort());
    }
  });

  it('ignores dependencies that are not affected: they come from the cache', () => {
    expect(planShards(['initrd-busybox-rescue'], deps, 2).waves).toEqual([[['initrd-busybox-rescue'], []]]);
    expect(planShards([], deps, 2).waves).toEqual([]);
  });

  it('refuses a cycle and a nonsense number of shards', () => {
    expect(() => planShards(['a', 'b'], { a: ['b'], b: ['a'] }, 2)).toThrow(/cycle through a/);
    expect(() => planShards(['a'], {}, 0)).toThrow(/at least 1/);
    expect(() => projectsOf(planShards(['a'], {}, 2), 0, 2)).toThrow(/shard 2 is not one of 0\.\.1/);
    expect(projectsOf(planShards(['a'], {}, 2), 5, 1)).toEqual([]);
  });
});
