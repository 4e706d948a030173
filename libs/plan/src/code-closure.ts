import { posix } from 'node:path';

/**
 * The code a target runs, as its cache key must cover it: the files of its executor's own
 * library that the executor reaches, and every library those files import, with what those
 * import in turn. Pure: the caller hands in the file listing and the sources.
 */

export interface CodeBase {
  /** Import path -> library folder, relative to the workspace ("@strata/cpio" -> "libs/cpio"). */
  libraries: ReadonlyMap<string, string>;
  /** The source files of a library folder (workspace-relative), tests excluded. */
  sourcesOf(libraryDir: string): readonly string[];
  /** A source file's text, or undefined when there is no such file. */
  read(file: string): string | undefined;
}

export interface CodeClosure {
  /** Import paths of the libraries the entry reaches, sorted. */
  libraries: string[];
  /** Files of the entry's own library that it reaches (workspace-relative), sorted. */
  files: string[];
}

/** What a source file refers to: imports and requires that run code, and files it starts by name. */
export function referencedModules(source: string): string[] {
  const found = new Set<string>();
  const patterns = [
    // import x from '...', import { x } from '...', export { x } from '...', export * from '...'
    /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm,
    /\brequire(?:\.resolve)?\(\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    // a file started or loaded by path: join(__dirname, 'helper.py')
    /\bjoin\(\s*__dirname\s*,\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.add(match[1]);
  return [...found];
}

function resolveRelative(from: string, specifier: string, read: CodeBase['read']): string | undefined {
  const base = posix.join(posix.dirname(from), specifier.startsWith('.') ? specifier : `./${specifier}`);
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) if (read(candidate) !== undefined) return candidate;
  return undefined;
}

function libraryOfFile(file: string, libraries: ReadonlyMap<string, string>): string | undefined {
  for (const [name, dir] of libraries) if (file.startsWith(`${dir}/`)) return name;
  return undefined;
}

export function codeClosure(entry: string, code: CodeBase): CodeClosure {
  const home = libraryOfFile(entry, code.libraries);
  const files = new Set<string>();
  const libraries = new Set<string>();
  const pending = [entry];
  const visit = (file: string): void => {
    const source = code.read(file);
    if (source === undefined) throw new Error(`${file}: no such source file`);
    if (!file.endsWith('.ts')) return;
    for (const specifier of referencedModules(source)) {
      if (code.libraries.has(specifier)) {
        if (specifier !== home && !libraries.has(specifier)) {
          libraries.add(specifier);
          // The whole library is in the key, so everything it imports is too.
          pending.push(...code.sourcesOf(code.libraries.get(specifier) as string));
        }
        continue;
      }
      if (!specifier.startsWith('.') && !/^[\w-]+\.\w+$/.test(specifier)) continue; // a package from node_modules
      const target = resolveRelative(file, specifier, code.read);
      if (target && libraryOfFile(target, code.libraries) === home && !files.has(target)) {
        files.add(target);
        pending.push(target);
      } else if (target && libraryOfFile(target, code.libraries) !== home) pending.push(target);
    }
  };
  files.add(entry);
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    visit(file);
  }
  return { libraries: [...libraries].sort(), files: [...files].filter((f) => libraryOfFile(f, code.libraries) === home).sort() };
}
