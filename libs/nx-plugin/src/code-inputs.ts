import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { codeClosure, codeKeyInputs, type CodeBase, type CodeClosure, type Input } from '@strata/plan';

/** The libraries of the workspace, by import path, from tsconfig.base.json's paths. */
function workspaceLibraries(workspaceRoot: string): Map<string, string> {
  const config = JSON.parse(readFileSync(join(workspaceRoot, 'tsconfig.base.json'), 'utf8')) as { compilerOptions: { paths: Record<string, string[]> } };
  const libraries = new Map<string, string>();
  // "@strata/cpio": ["libs/cpio/src/index.ts"] -> libs/cpio
  for (const [name, [entry]] of Object.entries(config.compilerOptions.paths)) libraries.set(name, posix.dirname(posix.dirname(entry)));
  return libraries;
}

/** The same files as the `source` named input of a library project: src/, without tests. */
function librarySources(workspaceRoot: string, dir: string): string[] {
  const found: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(join(workspaceRoot, folder), { withFileTypes: true })) {
      const path = posix.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'testing') walk(path);
      } else if (entry.isFile() && !entry.name.endsWith('.spec.ts')) found.push(path);
    }
  };
  walk(posix.join(dir, 'src'));
  return found.sort();
}

export function workspaceCodeBase(workspaceRoot: string): CodeBase {
  const sources = new Map<string, string[]>();
  return {
    libraries: workspaceLibraries(workspaceRoot),
    sourcesOf: (dir) => {
      if (!sources.has(dir)) sources.set(dir, librarySources(workspaceRoot, dir));
      return sources.get(dir) as string[];
    },
    read: (file) => {
      try {
        return readFileSync(join(workspaceRoot, file), 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

/** The code an executor of this plugin runs, from its executor.ts. */
export function executorClosure(workspaceRoot: string, executor: string, code: CodeBase = workspaceCodeBase(workspaceRoot)): CodeClosure {
  const dir = relative(workspaceRoot, join(__dirname, 'executors', executor));
  const closure = codeClosure(posix.join(dir, 'executor.ts'), code);
  // The options schema gives the executor its defaults.
  return { ...closure, files: [...closure.files, posix.join(dir, 'schema.json'), posix.join(relative(workspaceRoot, dirname(__dirname)), 'executors.json')].sort() };
}

/** The executors whose code is in a cache key or in boot-test's inputs, and the named input that holds it. */
export const CODE_INPUT_NAMES = { image: 'strata-code-image', modules: 'strata-code-modules', build: 'strata-code-build', uki: 'strata-code-uki', 'boot-test': 'strata-code-boot-test' } as const;

export type NamedInputs = Record<string, unknown> | undefined;

/**
 * What a target lists for its executor's code: each library's `source` (the patterns of nx.json's
 * `source` input, in the library's folder) and the plugin's own files; for a cached executor, the
 * whole code part of its key. Plain file patterns rather than `{ input: 'source', projects }`, so
 * that nx.json can hold them once as a named input (a named input may not reach into other projects).
 */
export function executorCodeInputs(executor: keyof typeof CODE_INPUT_NAMES, closure: CodeClosure, code: CodeBase, namedInputs: NamedInputs): Input[] {
  const source = ((namedInputs?.source as unknown[] | undefined) ?? ['{projectRoot}/src/**/*']).filter((entry): entry is string => typeof entry === 'string');
  const dirs = closure.libraries.map((library) => code.libraries.get(library) as string);
  const files = [...dirs.flatMap((dir) => source.map((pattern) => pattern.replace('{projectRoot}', `{workspaceRoot}/${dir}`))), ...closure.files.map((file) => `{workspaceRoot}/${file}`)];
  return executor === 'boot-test' ? files : codeKeyInputs(files);
}

/** The named inputs nx.json should hold for the code of each executor (`npm run docs` writes them). */
export function codeNamedInputs(workspaceRoot: string, namedInputs: NamedInputs): Record<string, Input[]> {
  const code = workspaceCodeBase(workspaceRoot);
  return Object.fromEntries(
    Object.entries(CODE_INPUT_NAMES).map(([executor, name]) => [name, executorCodeInputs(executor as keyof typeof CODE_INPUT_NAMES, executorClosure(workspaceRoot, executor, code), code, namedInputs)]),
  );
}
