import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { codeClosure, type CodeBase, type CodeClosure } from '@strata/plan';

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

/** Nx inputs for that code: the libraries' `source` inputs and the plugin's own files. */
export function codeInputs(closure: CodeClosure): (string | { input: string; projects: string[] })[] {
  return [...(closure.libraries.length > 0 ? [{ input: 'source', projects: closure.libraries }] : []), ...closure.files.map((file) => `{workspaceRoot}/${file}`)];
}
