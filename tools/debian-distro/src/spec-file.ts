/**
 * A PackagePlan as an rpm spec file whose %files list the prepared build root entry by entry.
 *
 * rpmbuild expands macros in every line, %files included, so a literal '%' is written '%%'.
 * A %files path is also a glob pattern: names with glob characters ('[' of coreutils) are kept
 * as they are only when the pattern can match nothing but the file itself; rpmbuild does not
 * unescape backslashes, so systemd's `\x2d` unit names are written literally.
 */
import { posix } from 'node:path';
import { formatEvr } from './deb-version';
import { type PackagePlan } from './package-plan';
import { type PayloadEntry } from './payload';

export const escapeMacros = (text: string): string => text.replace(/%/g, '%%');

const GLOB_CHARS = /[*?[\]{}]/;

/** glob(3) pattern of one %files path as a regular expression (bracket classes and braces included). */
function globRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) out += '\\[';
      else {
        out += `[${pattern.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (c === '{') {
      const close = pattern.indexOf('}', i);
      if (close < 0) out += '\\{';
      else {
        out += `(?:${pattern.slice(i + 1, close).split(',').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`;
        i = close;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Refuses a path that rpmbuild would read differently from what it is. */
export function checkFilesPath(path: string, siblings: readonly string[]): void {
  if (/["\n\r]/.test(path)) throw new Error(`cannot list ${JSON.stringify(path)} in %files`);
  if (!GLOB_CHARS.test(path)) return;
  if (path.includes('\\')) throw new Error(`cannot list ${JSON.stringify(path)} in %files: glob characters and a backslash`);
  const pattern = globRegExp(path);
  const clash = siblings.find((other) => other !== path && posix.dirname(other) === posix.dirname(path) && pattern.test(other));
  if (clash) throw new Error(`%files path ${path} would also match ${clash}`);
}

function filesLine(entry: PayloadEntry, siblings: readonly string[]): string {
  checkFilesPath(entry.path, siblings);
  const mode = entry.type === 'symlink' ? '-' : `0${entry.mode.toString(8)}`;
  const attr = `%attr(${mode},${entry.user},${entry.group})`;
  const prefix = entry.type === 'directory' ? '%dir ' : entry.config ? '%config(noreplace) ' : '';
  return `${prefix}${attr} "${escapeMacros(entry.path)}"`;
}

export function renderSpec(plan: PackagePlan): string {
  const lines: string[] = [
    `Name: ${plan.name}`,
    ...(plan.evr.epoch ? [`Epoch: ${plan.evr.epoch}`] : []),
    `Version: ${plan.evr.version}`,
    `Release: ${plan.evr.release}`,
    `Summary: ${escapeMacros(plan.summary)}`,
    `License: ${escapeMacros(plan.license)}`,
    ...(plan.url ? [`URL: ${escapeMacros(plan.url)}`] : []),
    ...(plan.group ? [`Group: ${escapeMacros(plan.group)}`] : []),
    ...(plan.arch === 'noarch' ? ['BuildArch: noarch'] : []),
    'AutoReqProv: no',
    ...plan.provides.map((d) => `Provides: ${d}`),
    ...plan.requiresPre.map((d) => `Requires(pre): ${d}`),
    ...plan.requires.map((d) => `Requires: ${d}`),
    ...plan.conflicts.map((d) => `Conflicts: ${d}`),
    ...plan.recommends.map((d) => `Recommends: ${d}`),
    ...plan.suggests.map((d) => `Suggests: ${d}`),
    ...plan.enhances.map((d) => `Enhances: ${d}`),
    '',
    '%description',
    escapeMacros(plan.description),
    '',
    '%files',
  ];
  const paths = plan.payload.map((e) => e.path);
  for (const entry of plan.payload) lines.push(filesLine(entry, paths));
  return `${lines.join('\n')}\n`;
}

/** The name rpmbuild gives the package file. */
export function rpmFileName(plan: PackagePlan): string {
  return `${plan.name}-${plan.evr.version}-${plan.evr.release}.${plan.arch}.rpm`;
}

export function nevra(plan: PackagePlan): string {
  return `${plan.name}-${formatEvr(plan.evr)}.${plan.arch}`;
}
