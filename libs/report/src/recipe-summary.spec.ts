import { describe, expect, it } from 'vitest';
import { buildRecipeGraph, parseRecipe, resolveRecipe, type RecipeGraph } from '@strata/recipe';
import { formatRecipeSummary, summarizeRecipe } from './recipe-summary';
import { makeColors } from './text';

function graphOf(recipes: Record<string, string[]>, withFilesDir: string[] = []): RecipeGraph {
  return buildRecipeGraph(
    Object.entries(recipes).map(([name, lines]) =>
      parseRecipe(`${lines.join('\n')}\n`, `/ws/recipes/${name}/recipe.yaml`, { workspaceRoot: '/ws', hasDefaultFilesDir: withFilesDir.includes(name) }),
    ),
  );
}

const graph = graphOf(
  {
    base: [
      'kind: initrd',
      'release:',
      '  id: fedora',
      '  versionId: "40"',
      'repositories:',
      '  - id: fedora',
      '    baseurl: https://dl.example/$releasever/$basearch/',
      '  - id: updates',
      '    metalink: https://mirrors.example/metalink?repo=updates-$releasever',
      'packages:',
      '  - systemd',
      'removeFiles:',
      '  - usr/share/doc/**',
      'kernel:',
      '  version: host',
      '  modules: [default]',
    ],
    server: [
      'kind: initrd',
      'description: Server initrd',
      'base: base',
      'repositories:',
      '  - id: updates',
      '    baseurl: https://snapshot.example/updates/',
      '    priority: 10',
      'packages:',
      '  - lvm2',
      '  - mdadm',
      'removeFiles:',
      '  - usr/share/man/**',
      'kernel:',
      '  modules: [default, dm-crypt, "-kernel/fs/btrfs/**"]',
      'output:',
      '  level: 15',
    ],
    tools: ['kind: sysext', 'base: server', 'packages: [strace]'],
  },
  ['base'],
);

describe('summarizeRecipe', () => {
  const summary = summarizeRecipe({ recipe: resolveRecipe('server', graph), graph, workspaceRoot: '/ws', lockedCounts: new Map([['base', 40]]) });

  it('gives the chain, and each package and repository with the recipe and line that asked for it', () => {
    expect(summary.chain).toEqual(['base', 'server']);
    expect(summary.packages.map((p) => [p.spec, p.from.recipe, p.from.line, p.inherited])).toEqual([
      ['systemd', 'base', 11, true],
      ['lvm2', 'server', 9, false],
      ['mdadm', 'server', 10, false],
    ]);
    expect(summary.repositories.map((r) => [r.id, r.source, r.url, r.from.recipe, r.overrides ?? null, r.priority ?? null])).toEqual([
      ['fedora', 'baseurl', 'https://dl.example/$releasever/$basearch/', 'base', null, null],
      ['updates', 'baseurl', 'https://snapshot.example/updates/', 'server', 'base', 10],
    ]);
    expect(summary.locked).toEqual([
      { recipe: 'base', packages: 40 },
      { recipe: 'server', packages: null },
    ]);
  });

  it('says where inherited and defaulted values come from', () => {
    expect(summary.release.id).toEqual({ value: 'fedora', from: { recipe: 'base', file: 'recipes/base/recipe.yaml', line: 3, column: 3 } });
    expect(summary.release.basearch.from).toEqual({ recipe: null });
    expect(summary.release.releasever.from.recipe).toBe('base');
    expect(summary.kernel?.version).toMatchObject({ value: 'host', from: { recipe: 'base' } });
    expect(summary.kernel?.source).toEqual({ value: 'host', from: { recipe: null } });
    expect(summary.kernel?.firmware).toEqual({ value: true, from: { recipe: null } });
    expect(summary.kernel?.modules.value).toEqual([
      { rule: 'default', effect: 'include', matches: 'default set' },
      { rule: 'dm-crypt', effect: 'include', matches: 'module name' },
      { rule: 'kernel/fs/btrfs/**', effect: 'exclude', matches: 'glob' },
    ]);
    expect(summary.kernel?.modules.from.recipe).toBe('server');
    expect(summary.removeFiles.map((f) => [f.value, f.from.recipe])).toEqual([
      ['usr/share/doc/**', 'base'],
      ['usr/share/man/**', 'server'],
    ]);
    expect(summary.files).toEqual([{ value: 'recipes/base/files', from: { recipe: 'base', file: 'recipes/base/recipe.yaml' } }]);
    expect(summary.output.level).toMatchObject({ value: 15, from: { recipe: 'server' } });
    expect(summary.output.format).toEqual({ value: 'cpio', from: { recipe: null } });
    expect(summary.outputs.map((o) => o.path)).toEqual(['dist/layers/server/', 'dist/modules/server/', 'dist/images/server/server.cpio.zst']);
  });

  it('names the kernel package and the line that chose it', () => {
    const withPackage = graphOf({ base: ['kind: initrd', 'kernel:', '  package: kernel-core'], child: ['kind: initrd', 'base: base'] });
    const child = summarizeRecipe({ recipe: resolveRecipe('child', withPackage), graph: withPackage, workspaceRoot: '/ws', lockedCounts: new Map() });
    expect(child.kernel?.source).toMatchObject({ value: 'package kernel-core', from: { recipe: 'base', line: 3 } });
  });

  it('summarizes an extension without kernel or init', () => {
    const tools = summarizeRecipe({ recipe: resolveRecipe('tools', graph), graph, workspaceRoot: '/ws' });
    expect(tools.kernel).toBeUndefined();
    expect(tools.init).toBeUndefined();
    expect(tools.extension).toEqual({ scope: ['initrd'], id: 'fedora' });
    expect(tools.output.format.value).toBe('erofs');
  });
});

describe('formatRecipeSummary', () => {
  const summary = summarizeRecipe({ recipe: resolveRecipe('server', graph), graph, workspaceRoot: '/ws' });

  it('prints aligned sections with the origin of each value, without colour when asked', () => {
    const text = formatRecipeSummary(summary, makeColors(false));
    expect(text).not.toMatch(/\u001b\[/);
    const lines = text.split('\n');
    expect(lines[0]).toBe('server  initrd  Server initrd');
    expect(lines).toContain('  chain   base → server');
    expect(lines).toContain('  lvm2     server  recipes/server/recipe.yaml:9');
    expect(lines).toContain('  systemd  base    recipes/base/recipe.yaml:11');
    expect(text).toMatch(/^ {2}updates +baseurl https:\/\/snapshot\.example\/updates\/ priority 10 +server +recipes\/server\/recipe\.yaml:5, replaces base's$/m);
    expect(text).toMatch(/^ {4}- +kernel\/fs\/btrfs\/\*\* +glob$/m);
    expect(text).toMatch(/^ {2}removeFiles +usr\/share\/doc\/\*\* +base +recipes\/base\/recipe\.yaml:13$/m);
    expect(text).toMatch(/^Packages \(3 requested, not all locked\)$/m);
    expect(text).toMatch(/^ {2}nx run server:build +dist\/images\/server\/server\.cpio\.zst$/m);
    // Sections are separated by a line Nx keeps (it drops empty ones).
    expect(lines[lines.indexOf('Release') - 1]).toBe(' ');
  });

  it('colours headings and origins on a terminal', () => {
    const text = formatRecipeSummary(summary, makeColors(true));
    expect(text).toContain('\u001b[1m\u001b[4mRelease\u001b[24m\u001b[22m');
    expect(text).toContain('\u001b[32mserver');
  });
});
