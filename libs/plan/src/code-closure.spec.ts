import { describe, expect, it } from 'vitest';
import { codeClosure, referencedModules, type CodeBase } from './code-closure';

function codeBase(files: Record<string, string>): CodeBase {
  const libraries = new Map([
    ['@x/plugin', 'libs/plugin'],
    ['@x/a', 'libs/a'],
    ['@x/b', 'libs/b'],
    ['@x/c', 'libs/c'],
    ['@x/unused', 'libs/unused'],
  ]);
  return {
    libraries,
    sourcesOf: (dir) => Object.keys(files).filter((f) => f.startsWith(`${dir}/src/`) && !f.endsWith('.spec.ts')).sort(),
    read: (file) => files[file],
  };
}

describe('referencedModules', () => {
  it('finds imports, re-exports, requires and files started by name, but not type-only imports', () => {
    const source = [
      "import { a } from '@x/a';",
      "import type { T } from '@x/types-only';",
      "export * from './local';",
      "export type { U } from './types';",
      "import './side-effect';",
      "const b = require('@x/b');",
      "const c = await import('@x/c');",
      "const entry = require.resolve('./entry');",
      "const helper = join(__dirname, 'helper.py');",
    ].join('\n');
    expect(referencedModules(source).sort()).toEqual(['./entry', './local', './side-effect', '@x/a', '@x/b', '@x/c', 'helper.py'].sort());
  });
});

describe('codeClosure', () => {
  const files = {
    'libs/plugin/src/executors/image/executor.ts': "import { w } from '../../workspace';\nimport { a } from '@x/a';",
    'libs/plugin/src/executors/boot/executor.ts': "import { c } from '@x/c';",
    'libs/plugin/src/workspace.ts': "const ENTRY = join(__dirname, 'entry.ts');",
    'libs/plugin/src/entry.ts': "import type { X } from './workspace';",
    'libs/a/src/index.ts': "export * from './one';",
    'libs/a/src/one.ts': "import { b } from '@x/b';",
    'libs/a/src/one.spec.ts': "import { unused } from '@x/unused';",
    'libs/b/src/index.ts': "import { readFile } from 'node:fs';\nconst script = join(__dirname, 'helper.py');",
    'libs/b/src/helper.py': 'print(1)',
    'libs/c/src/index.ts': '',
  };

  it("follows the entry's own files, then whole libraries and what they import, never tests", () => {
    expect(codeClosure('libs/plugin/src/executors/image/executor.ts', codeBase(files))).toEqual({
      libraries: ['@x/a', '@x/b'],
      files: ['libs/plugin/src/entry.ts', 'libs/plugin/src/executors/image/executor.ts', 'libs/plugin/src/workspace.ts'],
    });
  });

  it('keeps another executor of the same library out', () => {
    expect(codeClosure('libs/plugin/src/executors/boot/executor.ts', codeBase(files))).toEqual({ libraries: ['@x/c'], files: ['libs/plugin/src/executors/boot/executor.ts'] });
  });

  it('names a missing entry', () => {
    expect(() => codeClosure('libs/plugin/src/nope.ts', codeBase(files))).toThrow('libs/plugin/src/nope.ts: no such source file');
  });
});
