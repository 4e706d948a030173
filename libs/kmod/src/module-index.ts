/**
 * The kernel's own module indexes, parsed: modules.dep (hard dependencies), modules.softdep
 * (pre/post soft dependencies, e.g. ext4 needs crc32c), modules.alias (softdeps often name an
 * alias such as "crypto-crc32c") and modules.builtin (names that need no file).
 */
export interface ModuleIndex {
  /** Module path relative to the kernel's module directory ("kernel/fs/ext4/ext4.ko") -> its dependencies' paths. */
  deps: Map<string, string[]>;
  /** Module name -> paths, for every module file. */
  byName: Map<string, string>;
  /** Module name -> soft dependency names or aliases. */
  softdeps: Map<string, string[]>;
  /** Alias -> module names. */
  aliases: Map<string, string[]>;
  builtin: Set<string>;
}

/** "kernel/fs/ext4/ext4.ko.zst" -> "kernel/fs/ext4/ext4": a module's path as rules name it. */
export function withoutModuleSuffix(path: string): string {
  return path.replace(/\.ko(\.(xz|zst|gz))?$/, '');
}

/** "kernel/fs/ext4/ext4.ko.zst" -> "ext4"; names treat '-' and '_' alike, as modprobe does. */
export function moduleName(path: string): string {
  return withoutModuleSuffix(path.slice(path.lastIndexOf('/') + 1)).replace(/-/g, '_');
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

export function parseModuleIndex(files: { dep: string; softdep?: string; alias?: string; builtin?: string }): ModuleIndex {
  const deps = new Map<string, string[]>();
  const byName = new Map<string, string>();
  for (const line of lines(files.dep)) {
    const colon = line.indexOf(':');
    const path = line.slice(0, colon);
    deps.set(path, line.slice(colon + 1).split(/\s+/).filter(Boolean));
    byName.set(moduleName(path), path);
  }
  const softdeps = new Map<string, string[]>();
  for (const line of lines(files.softdep ?? '')) {
    const words = line.split(/\s+/);
    if (words[0] !== 'softdep' || words.length < 3) continue;
    const names = words.slice(2).filter((w) => w !== 'pre:' && w !== 'post:');
    const key = words[1].replace(/-/g, '_');
    softdeps.set(key, [...(softdeps.get(key) ?? []), ...names]);
  }
  const aliases = new Map<string, string[]>();
  for (const line of lines(files.alias ?? '')) {
    const [word, alias, module] = line.split(/\s+/);
    if (word !== 'alias' || !module) continue;
    aliases.set(alias, [...(aliases.get(alias) ?? []), module.replace(/-/g, '_')]);
  }
  const builtin = new Set(lines(files.builtin ?? '').map(moduleName));
  return { deps, byName, softdeps, aliases, builtin };
}
