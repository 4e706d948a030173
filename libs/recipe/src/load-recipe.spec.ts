import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecipeError, RecipeErrors } from './errors';
import { loadRecipeFile, MAX_GLOBS, MAX_RECIPE_BYTES, parseRecipe } from './load-recipe';

const root = mkdtempSync(join(tmpdir(), 'strata-recipe-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** Write recipes/<name>/recipe.yaml in a fresh workspace and load it; returns what was thrown. */
function load(text: string, name = 'foo', extra: string[] = []) {
  const ws = join(root, `ws${counter++}`);
  const file = join(ws, 'recipes', name, 'recipe.yaml');
  mkdirSync(dirname(file), { recursive: true });
  for (const dir of extra) mkdirSync(join(dirname(file), dir), { recursive: true });
  writeFileSync(file, text);
  return { ws, file, load: () => loadRecipeFile(`recipes/${name}/recipe.yaml`, { workspaceRoot: ws }) };
}

function errorOf(text: string, name = 'foo'): RecipeError {
  try {
    load(text, name).load();
  } catch (err) {
    if (err instanceof RecipeError) return err;
    throw err;
  }
  throw new Error('expected a RecipeError');
}

/** file:line:column, the message and the hint, exactly. */
function report(text: string, name = 'foo'): string {
  return errorOf(text, name).message;
}

describe('loadRecipeFile: a valid recipe', () => {
  const text = [
    'kind: initrd',
    'packages:',
    '  - bash',
    '  - "systemd = 255"',
    'repositories:',
    '  - id: fedora',
    '    baseurl:',
    '      - https://a.example/$releasever/',
    '      - https://b.example/${releasever}/',
    'kernel:',
    '  modules: [default, -kernel/drivers/gpu/**]',
    '',
  ].join('\n');

  it('returns the recipe as written, its name, folder and file', () => {
    const { ws, load: run } = load(text, 'initrd-base');
    const loaded = run();
    expect(loaded.name).toBe('initrd-base');
    expect(loaded.dir).toBe(join(ws, 'recipes/initrd-base'));
    expect(loaded.file).toBe(join(ws, 'recipes/initrd-base/recipe.yaml'));
    expect(loaded.displayFile).toBe('recipes/initrd-base/recipe.yaml');
    expect(loaded.recipe).toEqual({
      kind: 'initrd',
      packages: ['bash', 'systemd = 255'],
      repositories: [{ id: 'fedora', baseurl: ['https://a.example/$releasever/', 'https://b.example/${releasever}/'] }],
      kernel: { modules: ['default', '-kernel/drivers/gpu/**'] },
    });
  });

  it('gives the line and column of keys and list items', () => {
    const loaded = load(text).load();
    expect(loaded.position(['kind'])).toEqual({ line: 1, column: 1 });
    expect(loaded.position(['kind'], 'value')).toEqual({ line: 1, column: 7 });
    expect(loaded.position(['packages'])).toEqual({ line: 2, column: 1 });
    expect(loaded.position(['packages', 1])).toEqual({ line: 4, column: 5 });
    expect(loaded.position(['repositories', 0])).toEqual({ line: 6, column: 5 });
    expect(loaded.position(['repositories', 0, 'baseurl'])).toEqual({ line: 7, column: 5 });
    expect(loaded.position(['repositories', 0, 'baseurl', 1])).toEqual({ line: 9, column: 9 });
    expect(loaded.position(['kernel', 'modules', 1])).toEqual({ line: 11, column: 22 });
  });

  it('a path that is not there gives its deepest existing part', () => {
    const loaded = load(text).load();
    expect(loaded.has(['kernel', 'firmware'])).toBe(false);
    expect(loaded.position(['kernel', 'firmware'])).toEqual({ line: 11, column: 3 });
    expect(loaded.position(['packages', 7])).toEqual({ line: 3, column: 3 });
    expect(loaded.position(['output'])).toEqual({ line: 1, column: 1 });
  });

  it('makes errors that point at a path, for later stages', () => {
    const loaded = load(text).load();
    expect(loaded.errorAt(['packages', 1], 'package "systemd = 255" matches nothing', 'check the spelling').message).toBe(
      'recipes/foo/recipe.yaml:4:5: error: package "systemd = 255" matches nothing\n  hint: check the spelling',
    );
  });

  it('uses files/ when the folder exists, an explicit "files" folder, or none', () => {
    const withDefault = load('kind: initrd\n', 'a', ['files']);
    expect(withDefault.load().filesDir).toBe(join(withDefault.ws, 'recipes/a/files'));
    expect(load('kind: initrd\n', 'b').load().filesDir).toBeNull();
    const explicit = load('kind: initrd\nfiles: overlay\n', 'c', ['overlay']);
    expect(explicit.load().filesDir).toBe(join(explicit.ws, 'recipes/c/overlay'));
  });
});

describe('loadRecipeFile: errors, exactly as printed', () => {
  it('YAML syntax: position from the parser', () => {
    expect(report('kind: initrd\npackages:\n  - bash\n - zsh\n')).toBe(
      'recipes/foo/recipe.yaml:4:1: error: invalid YAML: a block sequence may not be used as an implicit map key\n' +
        '  hint: check the indentation: the entries of one mapping or list start in the same column',
    );
    expect(report('kind: initrd\nkind: sysext\n')).toBe(
      'recipes/foo/recipe.yaml:2:1: error: invalid YAML: map keys must be unique\n  hint: a key may appear only once in a mapping; merge the two entries',
    );
    expect(report('kind: initrd\npackages:\n\t- bash\n')).toBe(
      'recipes/foo/recipe.yaml:3:1: error: invalid YAML: tabs are not allowed as indentation\n  hint: indent with spaces, not tabs',
    );
    expect(report('kind: initrd\ndescription: "unterminated\n')).toBe('recipes/foo/recipe.yaml:3:1: error: invalid YAML: missing closing "quote');
    expect(report('kind: initrd\npackages: *pkgs\n')).toBe('recipes/foo/recipe.yaml:2:11: error: invalid YAML: alias "*pkgs" has no anchor "&pkgs" before it');
  });

  it('unknown key: at the key, with the nearest allowed key', () => {
    const err = errorOf('kind: initrd\n\npakages:\n  - bash\n');
    expect(err).toBeInstanceOf(RecipeError);
    expect([err.file, err.line, err.column, err.detail, err.hint]).toEqual(['recipes/foo/recipe.yaml', 3, 1, 'unknown key "pakages" in recipe', 'did you mean "packages"?']);
    expect(err.message).toBe('recipes/foo/recipe.yaml:3:1: error: unknown key "pakages" in recipe\n  hint: did you mean "packages"?');
    expect(String(err)).toBe(err.message);
  });

  it('unknown key: nested mappings are named, case and "_" do not hide a match', () => {
    expect(report('kind: initrd\nkernel:\n    modles: [default]\n')).toBe(
      'recipes/foo/recipe.yaml:3:5: error: unknown key "modles" in "kernel"\n  hint: did you mean "modules"?',
    );
    expect(report('kind: initrd\nweak_dependencies: true\n')).toBe(
      'recipes/foo/recipe.yaml:2:1: error: unknown key "weak_dependencies" in recipe\n  hint: did you mean "weakDependencies"?',
    );
    expect(report('kind: initrd\nrepositories:\n  - id: fedora\n    baseurl: https://x/\n    gpg_check: true\n')).toBe(
      'recipes/foo/recipe.yaml:5:5: error: unknown key "gpg_check" in repository "fedora"\n  hint: did you mean "gpgcheck"?',
    );
  });

  it('unknown key: says where a key of another section belongs, or lists the allowed keys', () => {
    expect(report('kind: initrd\nformat: cpio\n')).toBe('recipes/foo/recipe.yaml:2:1: error: unknown key "format" in recipe\n  hint: "format" belongs in "output"');
    expect(report('kind: initrd\noutput:\n  squash: true\n')).toBe(
      'recipes/foo/recipe.yaml:3:3: error: unknown key "squash" in "output"\n  hint: allowed keys: format, compression, level, verity, sign, maxSize',
    );
  });

  it('wrong type: at the value, with the expected type', () => {
    expect(report('kind: initrd\nrelease:\n  versionId: 40\n')).toBe(
      'recipes/foo/recipe.yaml:3:14: error: "release.versionId" must be a string, not the number 40\n  hint: quote it ("40") so that YAML keeps it a string',
    );
    expect(report('kind: initrd\nweakDependencies: yes\n')).toBe(
      'recipes/foo/recipe.yaml:2:19: error: "weakDependencies" must be true or false, not the string "yes"\n  hint: "yes" is a string in YAML 1.2; write true or false',
    );
    expect(report('kind: initrd\npackages: bash\n')).toBe(
      'recipes/foo/recipe.yaml:2:11: error: "packages" must be a list of strings, not the string "bash"\n  hint: write it as a list: "- bash" on the next line, indented',
    );
    expect(report('kind: initrd\npackages:\n  - bash\n  - 42\n')).toBe('recipes/foo/recipe.yaml:4:5: error: "packages[1]" must be a string, not the number 42\n  hint: quote it ("42") so that YAML keeps it a string');
    expect(report('kind: initrd\nrepositories:\n  - id: a\n    baseurl: {url: x}\n')).toBe(
      'recipes/foo/recipe.yaml:4:14: error: "repositories[0].baseurl" must be a string or a list of strings, not a mapping',
    );
    expect(report('kind: initrd\noutput:\n  level: high\n')).toBe('recipes/foo/recipe.yaml:3:10: error: "output.level" must be a whole number, not the string "high"');
  });

  it('an empty value points at its key', () => {
    expect(report('kind: initrd\nkernel:\n# later\n')).toBe('recipes/foo/recipe.yaml:2:1: error: "kernel" must be a mapping, not empty\n  hint: give it a value, or remove the key');
  });

  it('bad enum value: lists the allowed values', () => {
    expect(report('kind: initrdd\n')).toBe('recipes/foo/recipe.yaml:1:7: error: "kind" must be "initrd", "sysext" or "confext", not "initrdd"\n  hint: did you mean "initrd"?');
    expect(report('kind: initrd\noutput:\n  format: ext4\n')).toBe('recipes/foo/recipe.yaml:3:11: error: "output.format" must be "cpio", "erofs", "squashfs" or "directory", not "ext4"');
    expect(report('kind: sysext\nextension:\n  scope: [initrd, sytem]\n')).toBe(
      'recipes/foo/recipe.yaml:3:19: error: "extension.scope[1]" must be "initrd", "system" or "portable", not "sytem"\n  hint: did you mean "system"?',
    );
  });

  it('missing required key: at the mapping', () => {
    expect(report('description: no kind\npackages: [bash]\n')).toBe(
      'recipes/foo/recipe.yaml:1:1: error: missing required key "kind" in recipe\n  hint: add "kind:" with one of "initrd", "sysext" or "confext"',
    );
    expect(report('kind: initrd\nrepositories:\n  - baseurl: https://x/\n')).toBe(
      'recipes/foo/recipe.yaml:3:5: error: missing required key "id" in "repositories[0]"\n' +
        '  hint: add "id:". The repository id (what dnf calls it, and what the lock file records), e.g. "fedora".',
    );
  });

  it('a misspelt key is reported instead of the missing key it stands for', () => {
    const err = errorOf('knd: initrd\n');
    expect(err).not.toBeInstanceOf(RecipeErrors);
    expect(err.message).toBe('recipes/foo/recipe.yaml:1:1: error: unknown key "knd" in recipe\n  hint: did you mean "kind"?');
  });

  it('gpgcheck needs a gpgkey: the host\'s keyring never counts', () => {
    expect(report('kind: initrd\nrepositories:\n  - id: f\n    baseurl: https://x/\n    gpgcheck: true\n')).toBe(
      'recipes/foo/recipe.yaml:5:5: error: repository "f" has gpgcheck but no gpgkey; strata never uses the build host\'s rpm keyring\n  hint: add "gpgkey: file:///path/to/KEY" (or an https:// URL) with the key that signs its packages',
    );
    expect(() => load('kind: initrd\nrepositories:\n  - id: f\n    baseurl: https://x/\n    gpgcheck: true\n    gpgkey: [file:///k]\n').load()).not.toThrow();
  });

  it('repository sources: exactly one of baseurl, metalink, mirrorlist, project', () => {
    expect(report('kind: initrd\nrepositories:\n  - id: f\n    gpgcheck: false\n')).toBe(
      'recipes/foo/recipe.yaml:3:5: error: repository "f" has no source\n  hint: give it exactly one of "baseurl", "metalink", "mirrorlist" or "project"',
    );
    expect(report('kind: initrd\nrepositories:\n  - id: f\n    baseurl: https://x/\n    project: fixture-repo\n')).toBe(
      'recipes/foo/recipe.yaml:5:5: error: repository "f" has "baseurl" and "project", but a repository is read from exactly one source\n  hint: keep only one of "baseurl" or "project"',
    );
  });

  it('patterns, ranges and duplicates', () => {
    expect(report('kind: initrd\nrepositories:\n  - id: my repo\n    baseurl: https://x/\n')).toBe(
      'recipes/foo/recipe.yaml:3:9: error: "repositories[0].id" must be made of letters, digits, ".", "_" and "-" only, not "my repo"',
    );
    expect(report('kind: initrd\ninit: usr/lib/systemd/systemd\n')).toBe(
      'recipes/foo/recipe.yaml:2:7: error: "init" must be an absolute path, starting with "/", not "usr/lib/systemd/systemd"\n  hint: did you mean "/usr/lib/systemd/systemd"?',
    );
    expect(report('kind: initrd\noutput:\n  level: 30\n')).toBe('recipes/foo/recipe.yaml:3:10: error: "output.level" must be between 1 and 22, not 30\n  hint: the default is 19');
    expect(report('kind: initrd\npackages: [bash, zsh, bash]\n')).toBe(
      'recipes/foo/recipe.yaml:2:23: error: "packages" lists "bash" twice\n  hint: remove this one; the first is item 1 of the list',
    );
    expect(report('kind: initrd\nbase: ""\n')).toBe('recipes/foo/recipe.yaml:2:7: error: "base" must not be empty\n  hint: give it a value, or remove it');
  });

  it('a recipe must be a non-empty mapping', () => {
    expect(report('# nothing yet\n')).toBe('recipes/foo/recipe.yaml:1:1: error: the recipe is empty\n  hint: start with "kind: initrd" (or sysext, confext)');
    expect(report('- kind: initrd\n')).toBe(
      'recipes/foo/recipe.yaml:1:1: error: a recipe must be a mapping of keys to values, not a list\n  hint: start with "kind: initrd" (or sysext, confext)',
    );
  });

  it('unknown variables in repository URLs: at the variable, with the nearest known one', () => {
    expect(report('kind: initrd\nrepositories:\n  - id: fedora\n    baseurl: https://x/$relesever/$basearch/\n')).toBe(
      'recipes/foo/recipe.yaml:4:24: error: unknown variable "$relesever" in repository "fedora"\n  hint: did you mean "$releasever"?',
    );
    expect(report('kind: initrd\nrepositories:\n  - id: fedora\n    metalink: "https://x/?arch=${arch}"\n')).toBe(
      'recipes/foo/recipe.yaml:4:32: error: unknown variable "$arch" in repository "fedora"\n  hint: known variables: $releasever, $basearch',
    );
    expect(report('kind: initrd\nrepositories:\n  - id: fedora\n    project: p\n    gpgkey:\n      - file:///k\n      - file:///k-${basearch\n')).toBe(
      'recipes/foo/recipe.yaml:7:19: error: "${" without its closing "}" in repository "fedora"\n  hint: write ${releasever} or ${basearch}',
    );
  });

  it('sections that do not fit the kind', () => {
    expect(report('kind: sysext\nkernel:\n  version: host\n')).toBe(
      'recipes/foo/recipe.yaml:2:1: error: "kernel" is only for initrd recipes, and this one is a sysext\n  hint: kernel modules go into the initrd the extension is merged into',
    );
    expect(report('kind: initrd\nextension:\n  scope: [initrd]\n')).toBe(
      'recipes/foo/recipe.yaml:2:1: error: "extension" is only for sysext and confext recipes, and this one is an initrd\n  hint: remove it, or change "kind"',
    );
    expect(report('kind: initrd\noutput:\n  format: erofs\n')).toBe('recipes/foo/recipe.yaml:3:11: error: an initrd cannot be written as "erofs"\n  hint: use "cpio" or "directory"');
    expect(report('kind: confext\noutput:\n  format: cpio\n  verity: true\n')).toBe(
      'recipes/foo/recipe.yaml:4:3: error: "output.verity" needs a file system image, but the format is "cpio"\n  hint: use "erofs" or "squashfs", or remove it',
    );
    expect(report('kind: initrd\noutput:\n  verity: true\n')).toBe(
      'recipes/foo/recipe.yaml:3:3: error: "output.verity" is only for extension images, and this recipe is an initrd\n  hint: remove "verity"',
    );
    expect(report('kind: sysext\noutput:\n  compression: none\n  level: 3\n')).toBe(
      'recipes/foo/recipe.yaml:4:3: error: "output.level" has no effect without compression\n  hint: remove "level", or set "compression" to "zstd"',
    );
  });

  it('duplicate repository ids and files outside the recipe folder', () => {
    expect(report('kind: initrd\nrepositories:\n  - id: a\n    baseurl: https://x/\n  - id: a\n    baseurl: https://y/\n')).toBe(
      'recipes/foo/recipe.yaml:5:9: error: repository "a" is listed twice\n  hint: merge it with repositories[0]',
    );
    expect(report('kind: initrd\nfiles: ../shared\n')).toBe(
      'recipes/foo/recipe.yaml:2:8: error: "files" must be a folder inside the recipe\'s folder, not "../shared"\n  hint: write a path relative to the folder of recipe.yaml',
    );
    expect(report('kind: initrd\nfiles: overlay\n')).toBe('recipes/foo/recipe.yaml:2:8: error: the files folder "overlay" does not exist\n  hint: create recipes/foo/overlay, or remove "files"');
  });

  it('removeFiles entries that leave the image root or can never match: at the entry', () => {
    expect(report('kind: initrd\nremoveFiles:\n  - usr/share/doc/**\n  - "../../x"\n')).toBe(
      'recipes/foo/recipe.yaml:4:5: error: removeFiles entry "../../x" leaves the image root through "..", so it can never match\n  hint: globs are relative to the image root, as in "usr/share/doc/**"',
    );
    expect(report('kind: initrd\nremoveFiles: [/usr/share/man/**]\n')).toBe(
      'recipes/foo/recipe.yaml:2:15: error: removeFiles entry "/usr/share/man/**" is an absolute path; globs are relative to the image root\n  hint: write "usr/share/man/**"',
    );
    expect(report('kind: initrd\nremoveFiles: [usr/share/doc/]\n')).toBe(
      'recipes/foo/recipe.yaml:2:15: error: removeFiles entry "usr/share/doc/" can never match: paths in the image have no empty, "." or trailing "/" parts\n  hint: write "usr/share/doc" (a matching folder goes with its content)',
    );
    expect(errorOf('kind: initrd\nremoveFiles: [./a, "usr/lib/../x"]\n').message.match(/:\d+:\d+: error/g)).toEqual([':2:15: error', ':2:20: error']);
  });

  it('a YAML alias bomb: named at the file and its first alias', () => {
    const bomb = ['kind: initrd', 'x: &a [l, l, l, l, l, l, l, l, l]', ...Array.from({ length: 8 }, (_, i) => `x${i}: &${'b'.repeat(i + 1)} [${Array(9).fill(`*${i === 0 ? 'a' : 'b'.repeat(i)}`).join(', ')}]`)].join('\n');
    expect(report(`${bomb}\n`)).toBe(
      'recipes/foo/recipe.yaml:3:9: error: invalid YAML: its aliases (*name) expand the document far beyond what a recipe needs (an "alias bomb"); refusing to load it\n  hint: write the values out instead of repeating aliases (*name)',
    );
  });

  it('recipe size and glob count have limits', () => {
    expect(report(`kind: initrd\ndescription: "${'x'.repeat(MAX_RECIPE_BYTES)}"\n`)).toMatch(
      /^recipes\/foo\/recipe\.yaml:1:1: error: the recipe is \d+ bytes; at most 262144 are accepted\n {2}hint: /,
    );
    const globs = Array.from({ length: MAX_GLOBS + 1 }, (_, i) => `  - usr/share/x${i}/**`).join('\n');
    expect(report(`kind: initrd\nremoveFiles:\n${globs}\n`)).toBe(
      'recipes/foo/recipe.yaml:2:1: error: "removeFiles" holds 1001 entries; at most 1000 are accepted\n  hint: match whole folders with "**" instead of listing their files',
    );
  });

  it('a folder name that cannot be a project name', () => {
    expect(report('kind: initrd\n', 'my recipe')).toBe(
      'recipes/my recipe/recipe.yaml:1:1: error: the recipe folder name "my recipe" cannot be a project name\n  hint: use letters, digits, ".", "_" and "-", starting with a letter or digit',
    );
  });

  it('reports several mistakes together, in file order, missing keys last', () => {
    const err = errorOf('packages: bash\nweakDependencies: 1\noutput:\n  formt: cpio\n');
    expect(err).toBeInstanceOf(RecipeErrors);
    const all = (err as RecipeErrors).errors.map((e) => `${e.line}:${e.column} ${e.detail}`);
    expect(all).toEqual([
      '1:11 "packages" must be a list of strings, not the string "bash"',
      '2:19 "weakDependencies" must be true or false, not the number 1',
      '4:3 unknown key "formt" in "output"',
      '1:1 missing required key "kind" in recipe',
    ]);
    // The aggregate is itself the first error, and prints them all.
    expect([err.line, err.column]).toEqual([1, 11]);
    expect(err.message.split('\n').filter((l) => l.includes(': error: '))).toHaveLength(4);
    expect(err.message.startsWith('recipes/foo/recipe.yaml:1:11: error: "packages" must be a list of strings')).toBe(true);
  });

  it('orders by position in the file, not by the order of the format', () => {
    const err = errorOf('kind: initrd\noutput:\n  level: 0\npackages: [1]\nbase: 7\n') as RecipeErrors;
    expect(err.errors.map((e) => `${e.line}:${e.column}`)).toEqual(['3:10', '4:12', '5:7']);
  });

  it('a missing file is a plain error naming it', () => {
    expect(() => loadRecipeFile(join(root, 'nope/recipe.yaml'))).toThrow(/nope\/recipe\.yaml: cannot read the recipe: ENOENT/);
  });
});

describe('parseRecipe', () => {
  it('works on text, without the file system', () => {
    const loaded = parseRecipe('kind: sysext\n', '/srv/ws/recipes/tools/recipe.yaml', { workspaceRoot: '/srv/ws' });
    expect([loaded.name, loaded.dir, loaded.displayFile, loaded.filesDir]).toEqual(['tools', '/srv/ws/recipes/tools', 'recipes/tools/recipe.yaml', null]);
  });

  it('shows a file outside the workspace by its absolute path', () => {
    expect(() => parseRecipe('kind: x\n', '/elsewhere/r/recipe.yaml', { workspaceRoot: '/srv/ws' })).toThrow(/^\/elsewhere\/r\/recipe\.yaml:1:7: error: "kind" must be/);
  });
});
