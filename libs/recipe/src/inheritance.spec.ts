import { describe, expect, it } from 'vitest';
import { RecipeError } from './errors';
import { resolveRecipe } from './inheritance';
import { parseRecipe } from './load-recipe';
import { buildRecipeGraph, type RecipeGraph } from './recipe-graph';

/** A graph from recipe texts, without touching the disk (resolveRecipe is pure). */
function graphOf(recipes: Record<string, string>, withFilesDir: string[] = []): RecipeGraph {
  return buildRecipeGraph(
    Object.entries(recipes).map(([name, text]) =>
      parseRecipe(text, `/ws/recipes/${name}/recipe.yaml`, { workspaceRoot: '/ws', hasDefaultFilesDir: withFilesDir.includes(name) }),
    ),
  );
}

const chain = graphOf(
  {
    'initrd-base': [
      'kind: initrd',
      'release:',
      '  id: fedora',
      '  versionId: "40"',
      '  name: Fedora Linux 40',
      'repositories:',
      '  - id: fedora',
      '    baseurl: https://dl.example/releases/$releasever/$basearch/',
      '    gpgcheck: true',
      '    gpgkey: https://dl.example/keys/RPM-GPG-KEY-$releasever',
      '  - id: updates',
      '    baseurl: https://dl.example/updates/${releasever}/${basearch}/',
      'packages:',
      '  - systemd',
      '  - busybox',
      'removeFiles:',
      '  - usr/share/doc/**',
      'kernel:',
      '  modules: [default]',
      'output:',
      '  level: 15',
      '',
    ].join('\n'),
    'initrd-server': [
      'kind: initrd',
      'base: initrd-base',
      'release:',
      '  name: Fedora Linux 40 (server)',
      'repositories:',
      '  - id: updates',
      '    baseurl: https://snapshots.example/updates/2024-06-01/$basearch/',
      '  - id: tools',
      '    project: fixture-repo',
      'packages:',
      '  - lvm2',
      'weakDependencies: true',
      'removeFiles:',
      '  - usr/share/man/**',
      '  - usr/share/doc/**',
      'removePackages: [python3]',
      'kernel:',
      '  firmware: false',
      'init: /usr/bin/init-wrapper',
      '',
    ].join('\n'),
    'initrd-debug': [
      'kind: initrd',
      'base: initrd-server',
      'release:',
      '  versionId: "40.1"',
      'packages:',
      '  - strace',
      '  - gdb',
      'removeFiles:',
      '  - usr/lib/udev/hwdb.d/**',
      'output:',
      '  compression: none',
      '',
    ].join('\n'),
    tools: ['kind: sysext', 'base: initrd-debug', 'packages: [htop]', ''].join('\n'),
    'more-tools': ['kind: sysext', 'base: tools', 'extension:', '  id: _any', 'output:', '  format: squashfs', 'packages: [tmux]', ''].join('\n'),
    standalone: ['kind: confext', 'release:', '  releasever: "9"', 'extension:', '  scope: [system, portable]', ''].join('\n'),
  },
  ['initrd-debug'],
);

describe('resolveRecipe over a 3-level chain (initrd-base <- initrd-server <- initrd-debug)', () => {
  const debug = resolveRecipe('initrd-debug', chain);

  it('knows its base and the chain, root first', () => {
    expect(debug.base).toBe('initrd-server');
    expect(debug.baseChain).toEqual(['initrd-base', 'initrd-server']);
    expect(resolveRecipe('initrd-base', chain).baseChain).toEqual([]);
    expect(resolveRecipe('initrd-base', chain).base).toBeNull();
  });

  it('inherits the release field by field, nearest first', () => {
    expect(debug.release).toEqual({ id: 'fedora', versionId: '40.1', name: 'Fedora Linux 40 (server)', releasever: '40.1', basearch: 'x86_64' });
    expect(debug.variables).toEqual({ releasever: '40.1', basearch: 'x86_64' });
  });

  it("adds its repositories to the base's; one with a base's id replaces it in place", () => {
    expect(debug.repositories.map((r) => [r.id, r.recipe, r.overrides])).toEqual([
      ['fedora', 'initrd-base', undefined],
      ['updates', 'initrd-server', 'initrd-base'],
      ['tools', 'initrd-server', undefined],
    ]);
    const [fedora, updates] = debug.repositories;
    expect(fedora).toMatchObject({ gpgcheck: true, enabled: true, file: 'recipes/initrd-base/recipe.yaml', position: { line: 7, column: 5 } });
    expect(updates).toMatchObject({ baseurl: 'https://snapshots.example/updates/2024-06-01/$basearch/', gpgcheck: false, file: 'recipes/initrd-server/recipe.yaml', position: { line: 6, column: 5 } });
  });

  it('tells its own packages from the inherited ones, each with the recipe and line that asked', () => {
    expect(debug.ownPackages).toEqual([
      { spec: 'strace', recipe: 'initrd-debug', file: 'recipes/initrd-debug/recipe.yaml', position: { line: 6, column: 5 } },
      { spec: 'gdb', recipe: 'initrd-debug', file: 'recipes/initrd-debug/recipe.yaml', position: { line: 7, column: 5 } },
    ]);
    expect(debug.inheritedPackages.map((p) => `${p.recipe}:${p.spec}@${p.position.line}`)).toEqual(['initrd-base:systemd@14', 'initrd-base:busybox@15', 'initrd-server:lvm2@11']);
    expect(debug.packages.map((p) => p.spec)).toEqual(['systemd', 'busybox', 'lvm2', 'strace', 'gdb']);
  });

  it('removeFiles is the union, base first; removePackages and files are its own', () => {
    expect(debug.removeFiles).toEqual(['usr/share/doc/**', 'usr/share/man/**', 'usr/lib/udev/hwdb.d/**']);
    expect(debug.removePackages).toEqual([]);
    expect(resolveRecipe('initrd-server', chain).removePackages).toEqual(['python3']);
    expect(debug.filesDir).toBe('/ws/recipes/initrd-debug/files');
    expect(resolveRecipe('initrd-server', chain).filesDir).toBeNull();
  });

  it('inherits weakDependencies, init, kernel (field by field) and output unless overridden', () => {
    expect(debug.weakDependencies).toBe(true);
    expect(resolveRecipe('initrd-base', chain).weakDependencies).toBe(false);
    expect(debug.init).toBe('/usr/bin/init-wrapper');
    expect(resolveRecipe('initrd-base', chain).init).toBe('/usr/lib/systemd/systemd');
    expect(debug.kernel).toEqual({ version: 'host', modules: ['default'], firmware: false });
    expect(resolveRecipe('initrd-base', chain).kernel).toEqual({ version: 'host', modules: ['default'], firmware: true });
    expect(debug.output).toEqual({ format: 'cpio', compression: 'none', level: 15, verity: false, sign: false });
    expect(resolveRecipe('initrd-base', chain).output).toEqual({ format: 'cpio', compression: 'zstd', level: 15, verity: false, sign: false });
  });

  it('points at lines of its own file', () => {
    expect(debug.position(['packages', 1])).toEqual({ line: 7, column: 5 });
    expect(debug.displayFile).toBe('recipes/initrd-debug/recipe.yaml');
    expect(debug.file).toBe('/ws/recipes/initrd-debug/recipe.yaml');
    expect(debug.dir).toBe('/ws/recipes/initrd-debug');
  });
});

describe('resolveRecipe for extensions', () => {
  it('an extension on an initrd: no kernel, erofs, scope initrd, id from the release', () => {
    const tools = resolveRecipe('tools', chain);
    expect(tools.kind).toBe('sysext');
    expect(tools.baseChain).toEqual(['initrd-base', 'initrd-server', 'initrd-debug']);
    expect(tools.kernel).toBeUndefined();
    expect(tools.output.format).toBe('erofs');
    expect(tools.output.compression).toBe('none');
    expect(tools.extension).toEqual({ scope: ['initrd'], id: 'fedora' });
  });

  it('an extension on an extension inherits its scope; id and format can be set', () => {
    const more = resolveRecipe('more-tools', chain);
    expect(more.extension).toEqual({ scope: ['initrd'], id: '_any' });
    expect(more.output.format).toBe('squashfs');
    expect(more.ownPackages.map((p) => p.spec)).toEqual(['tmux']);
    expect(more.inheritedPackages.map((p) => p.spec)).toEqual(['systemd', 'busybox', 'lvm2', 'strace', 'gdb', 'htop']);
  });

  it('an extension without a base: scope system by default, id _any without a release id', () => {
    const graph = graphOf({ alone: 'kind: sysext\n' });
    expect(resolveRecipe('alone', graph).extension).toEqual({ scope: ['system'], id: '_any' });
    expect(resolveRecipe('standalone', chain).extension).toEqual({ scope: ['system', 'portable'], id: '_any' });
    expect(resolveRecipe('standalone', chain).release).toEqual({ releasever: '9', basearch: 'x86_64' });
  });

  it('an initrd has no extension section', () => {
    expect(resolveRecipe('initrd-base', chain).extension).toBeUndefined();
  });
});

describe('resolveRecipe: repositories', () => {
  it('a disabled repository is left out; a child can enable it again', () => {
    const graph = graphOf({
      a: 'kind: initrd\nrelease: {versionId: "1"}\nrepositories:\n  - id: r\n    baseurl: https://a/\n    enabled: false\n  - id: s\n    baseurl: https://s/\n',
      b: 'kind: initrd\nbase: a\nrepositories:\n  - id: r\n    baseurl: https://b/\n',
    });
    expect(resolveRecipe('a', graph).repositories.map((r) => r.id)).toEqual(['s']);
    expect(resolveRecipe('b', graph).repositories.map((r) => [r.id, r.baseurl])).toEqual([
      ['r', 'https://b/'],
      ['s', 'https://s/'],
    ]);
  });

  it('$releasever without a release version is an error at the URL', () => {
    const graph = graphOf({ a: 'kind: initrd\nrepositories:\n  - id: r\n    metalink: https://m/?repo=f$releasever\n' });
    const err = (() => {
      try {
        resolveRecipe('a', graph);
      } catch (e) {
        return e as RecipeError;
      }
      throw new Error('expected an error');
    })();
    expect(err).toBeInstanceOf(RecipeError);
    expect(err.message).toBe(
      'recipes/a/recipe.yaml:4:15: error: repository "r" uses $releasever, but no recipe of the chain sets "release.releasever" or "release.versionId"\n' +
        '  hint: set it under "release" in this recipe or in its base',
    );
  });

  it('$basearch always has a value', () => {
    const graph = graphOf({ a: 'kind: initrd\nrelease: {basearch: aarch64}\nrepositories:\n  - id: r\n    baseurl: https://m/$basearch/\n' });
    expect(resolveRecipe('a', graph).variables).toEqual({ basearch: 'aarch64' });
  });
});

describe('resolveRecipe: errors', () => {
  it('an unknown recipe name', () => {
    expect(() => resolveRecipe('initrd-bsae', chain)).toThrow('no recipe is named "initrd-bsae"; did you mean "initrd-base"?');
  });

  it('does not loop on a graph with a cycle that was not checked', () => {
    const a = parseRecipe('kind: initrd\nbase: b\n', '/ws/recipes/a/recipe.yaml', { workspaceRoot: '/ws' });
    const b = parseRecipe('kind: initrd\nbase: a\n', '/ws/recipes/b/recipe.yaml', { workspaceRoot: '/ws' });
    const graph: RecipeGraph = new Map([
      ['a', a],
      ['b', b],
    ]);
    expect(() => resolveRecipe('a', graph)).toThrow('recipes/b/recipe.yaml:2:1: error: the bases form a cycle: a -> b -> a');
  });
});
