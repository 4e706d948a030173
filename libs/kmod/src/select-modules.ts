import { globMatcher, type PathMatcher } from '@strata/glob';
import type { ModuleIndex } from './module-index';
import { moduleName, withoutModuleSuffix } from './module-index';

/**
 * The "default" module set: what a generic initrd needs to find a root file system on common
 * hardware and in virtual machines. Patterns match module paths below the kernel's module
 * directory without the ".ko*" suffix, or bare module names.
 */
export const DEFAULT_MODULES: readonly string[] = [
  'kernel/drivers/virtio/**',
  'kernel/drivers/block/virtio_blk',
  'kernel/drivers/scsi/virtio_scsi',
  'kernel/drivers/char/hw_random/virtio-rng',
  'kernel/drivers/net/virtio_net',
  'kernel/drivers/block/loop',
  'kernel/drivers/block/nbd',
  'kernel/drivers/nvme/host/**',
  'kernel/drivers/ata/**',
  'kernel/drivers/scsi/sd_mod',
  'kernel/drivers/scsi/sr_mod',
  'kernel/drivers/usb/host/**',
  'kernel/drivers/usb/storage/**',
  'kernel/drivers/mmc/host/sdhci*',
  'kernel/drivers/hid/hid-generic',
  'kernel/drivers/hid/usbhid/**',
  'kernel/drivers/input/keyboard/atkbd',
  'kernel/drivers/md/**',
  'kernel/fs/ext4/**',
  'kernel/fs/xfs/**',
  'kernel/fs/btrfs/**',
  'kernel/fs/fat/**',
  'kernel/fs/nls/nls_cp437',
  'kernel/fs/nls/nls_iso8859-1',
  'kernel/fs/nls/nls_utf8',
  'kernel/fs/isofs/**',
  'kernel/fs/squashfs/**',
  'kernel/fs/erofs/**',
  'kernel/fs/overlayfs/**',
  'kernel/crypto/**',
  'kernel/arch/x86/crypto/**',
  'kernel/lib/crc*',
  'kernel/lib/libcrc32c',
];

export interface ModuleSelection {
  /** Module paths, sorted, including everything they depend on. */
  modules: string[];
  /** Rules that matched nothing: probably a typo, reported to the user. */
  unmatched: string[];
  /**
   * Exclude rules that dependencies undid: the modules a "-glob" took out that are in the image
   * all the same, and the chosen modules that depend on them (names, sorted).
   */
  undoneExcludes: UndoneExclude[];
}

export interface UndoneExclude {
  rule: string;
  modules: string[];
  pulledBackBy: string[];
}

/**
 * A rule's pattern as a test of module paths. With a "/" it is a glob of paths below the module
 * folder, without ".ko*"; without one, a glob of module names, where "-" and "_" are alike (the
 * "-" of a class range such as [a-z] stays a range).
 */
function moduleMatcher(pattern: string): PathMatcher {
  if (pattern.includes('/')) {
    const matches = globMatcher(pattern);
    return (path) => matches(withoutModuleSuffix(path));
  }
  const matches = globMatcher(pattern.replace(/\[[^\]]*\]|-/g, (part) => (part === '-' ? '_' : part)));
  return (path) => matches(moduleName(path));
}

/** Apply the ordered rules ("default", globs, "-glob" excludes); later rules win. */
export function applyModuleRules(index: ModuleIndex, rules: readonly string[]): { chosen: Set<string>; unmatched: string[]; excluded: Map<string, Set<string>> } {
  const expanded = rules.flatMap((rule) => {
    if (rule === 'default') return DEFAULT_MODULES.map((pattern) => ({ rule: pattern, fromDefault: true }));
    if (rule === '-default') return DEFAULT_MODULES.map((pattern) => ({ rule: `-${pattern}`, fromDefault: true }));
    return [{ rule, fromDefault: false }];
  });
  const chosen = new Set<string>();
  const unmatched: string[] = [];
  // The user's own exclude rules, each with the modules it took out.
  const excluded = new Map<string, Set<string>>();
  const all = [...index.deps.keys()];
  for (const { rule, fromDefault } of expanded) {
    const exclude = rule.startsWith('-');
    const matches = moduleMatcher(exclude ? rule.slice(1) : rule);
    const hits = all.filter(matches);
    // The default set names modules some kernels lack; only the user's own rules are typos.
    if (hits.length === 0 && !fromDefault) unmatched.push(rule);
    for (const hit of hits) {
      if (exclude) {
        chosen.delete(hit);
        // Every module the rule names, chosen before or not: a dependency may bring it in.
        if (!fromDefault) (excluded.get(rule) ?? excluded.set(rule, new Set()).get(rule))?.add(hit);
      } else {
        chosen.add(hit);
        for (const removed of excluded.values()) removed.delete(hit);
      }
    }
  }
  return { chosen, unmatched, excluded };
}

/**
 * For each exclude rule, the modules it took out that the closure brought back, and the chosen
 * modules that need them: walked backwards along modules.dep, from each module to its users.
 */
export function undoneExcludes(index: ModuleIndex, chosen: ReadonlySet<string>, excluded: ReadonlyMap<string, ReadonlySet<string>>, closure: readonly string[]): UndoneExclude[] {
  const inImage = new Set(closure);
  const users = new Map<string, string[]>();
  for (const [path, deps] of index.deps) for (const dep of deps) users.set(dep, [...(users.get(dep) ?? []), path]);
  const chosenUsers = (module: string): Set<string> => {
    const found = new Set<string>();
    const seen = new Set<string>([module]);
    const queue = [module];
    while (queue.length > 0) {
      for (const user of users.get(queue.pop() as string) ?? []) {
        if (seen.has(user) || !inImage.has(user)) continue;
        seen.add(user);
        if (chosen.has(user)) found.add(user);
        queue.push(user);
      }
    }
    return found;
  };
  const undone: UndoneExclude[] = [];
  for (const [rule, removed] of excluded) {
    const back = [...removed].filter((module) => inImage.has(module)).sort();
    if (back.length === 0) continue;
    const by = new Set(back.flatMap((module) => [...chosenUsers(module)]));
    undone.push({ rule, modules: back.map(moduleName), pulledBackBy: [...by].map(moduleName).sort() });
  }
  return undone;
}

/** Close a set of modules over modules.dep and modules.softdep (through aliases). */
export function closeOverDependencies(index: ModuleIndex, roots: Iterable<string>): string[] {
  const result = new Set<string>();
  const queue = [...roots];
  const byNameOrAlias = (name: string): string[] => {
    const direct = index.byName.get(name.replace(/-/g, '_'));
    if (direct) return [direct];
    return (index.aliases.get(name) ?? []).flatMap((m) => (index.byName.has(m) ? [index.byName.get(m) as string] : []));
  };
  while (queue.length > 0) {
    const path = queue.pop() as string;
    if (result.has(path)) continue;
    result.add(path);
    queue.push(...(index.deps.get(path) ?? []));
    for (const soft of index.softdeps.get(moduleName(path)) ?? []) queue.push(...byNameOrAlias(soft));
  }
  return [...result].sort();
}

export function selectModules(index: ModuleIndex, rules: readonly string[]): ModuleSelection {
  const { chosen, unmatched, excluded } = applyModuleRules(index, rules);
  const modules = closeOverDependencies(index, chosen);
  return { modules, unmatched, undoneExcludes: undoneExcludes(index, chosen, excluded, modules) };
}
