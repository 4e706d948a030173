/**
 * Package identities (NEVRA) and rpm's version ordering.
 *
 * `rpmvercmp` follows rpm's own comparison (lib/rpmvercmp.c semantics), so that the order
 * strata reports is the order rpm and dnf use when they decide what is newer.
 */

/** A package identity: name-[epoch:]version-release.arch. `epoch` is 0 when the package has none. */
export interface Nevra {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
}

/** The version part of a package: epoch, version and release. */
export interface Evr {
  epoch: number;
  version: string;
  release: string;
}

export type Ordering = -1 | 0 | 1;

const NEVRA_FORMAT = 'name-[epoch:]version-release.arch';

function invalid(s: string, why: string): Error {
  return new Error(`invalid NEVRA "${s}": ${why} (expected ${NEVRA_FORMAT}, e.g. "bash-5.2.26-3.fc40.x86_64")`);
}

/** Parse "[epoch:]version-release" (the release is required). */
export function parseEvr(s: string): Evr {
  const dash = s.lastIndexOf('-');
  if (dash <= 0 || dash === s.length - 1) throw new Error(`invalid EVR "${s}": expected [epoch:]version-release`);
  const { epoch, version } = splitEpoch(s.slice(0, dash), () => new Error(`invalid EVR "${s}": the epoch must be a number`));
  if (version === '') throw new Error(`invalid EVR "${s}": the version is empty`);
  return { epoch, version, release: s.slice(dash + 1) };
}

function splitEpoch(s: string, bad: () => Error): { epoch: number; version: string } {
  const colon = s.indexOf(':');
  if (colon < 0) return { epoch: 0, version: s };
  const epoch = s.slice(0, colon);
  if (!/^\d+$/.test(epoch)) throw bad();
  return { epoch: Number(epoch), version: s.slice(colon + 1) };
}

/**
 * Parse "name-[epoch:]version-release.arch". The name may contain dashes: the release is what
 * follows the last dash, the version what lies between the two last dashes, and the
 * architecture what follows the last dot of the release.
 */
export function parseNevra(s: string): Nevra {
  if (/\s/.test(s)) throw invalid(s, 'it contains white space');
  const releaseDash = s.lastIndexOf('-');
  if (releaseDash < 0) throw invalid(s, 'no "-" before the release');
  const versionDash = s.lastIndexOf('-', releaseDash - 1);
  if (versionDash <= 0) throw invalid(s, versionDash === 0 ? 'the name is empty' : 'no "-" between name and version');
  const releaseArch = s.slice(releaseDash + 1);
  const dot = releaseArch.lastIndexOf('.');
  if (dot < 0) throw invalid(s, 'no ".arch" after the release');
  const release = releaseArch.slice(0, dot);
  const arch = releaseArch.slice(dot + 1);
  if (release === '') throw invalid(s, 'the release is empty');
  if (arch === '') throw invalid(s, 'the architecture is empty');
  const { epoch, version } = splitEpoch(s.slice(versionDash + 1, releaseDash), () => invalid(s, 'the epoch must be a number'));
  if (version === '') throw invalid(s, 'the version is empty');
  const name = s.slice(0, versionDash);
  if (name.includes(':')) throw invalid(s, 'the epoch belongs before the version, not before the name');
  return { name, epoch, version, release, arch };
}

/** "[epoch:]version-release", the epoch only when it is not 0. */
export function formatEvr(evr: Evr): string {
  return `${evr.epoch ? `${evr.epoch}:` : ''}${evr.version}-${evr.release}`;
}

/** "name-[epoch:]version-release.arch" as rpm prints it: the epoch only when it is not 0. */
export function formatNevra(n: Nevra): string {
  return `${n.name}-${formatEvr(n)}.${n.arch}`;
}

// rpm's character classes are ASCII only; every other character is a separator.
function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

function isAlphaAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i) | 0x20;
  return c >= 97 && c <= 122;
}

function isSeparatorAt(s: string, i: number): boolean {
  const c = s[i];
  return c !== '~' && c !== '^' && !isDigitAt(s, i) && !isAlphaAt(s, i);
}

function sign(n: number): Ordering {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Compare two strings by their UTF-8 bytes (what C's strcmp does). */
export function compareBytes(a: string, b: string): Ordering {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Code-unit order equals byte order below U+D800; beyond, let Buffer decide.
    if (x < 0xd800 && y < 0xd800) return x < y ? -1 : 1;
    return sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }
  return sign(a.length - b.length);
}

/**
 * rpm's version comparison: -1 when a is older than b, 1 when newer, 0 when rpm sees them as equal.
 *
 * Both strings are cut into segments of ASCII digits or ASCII letters; everything else separates
 * them (and the kind of separator does not matter). Segment by segment:
 *   - "~" sorts before anything, even the end of the string ("1.0~rc1" < "1.0");
 *   - "^" sorts after the end of the string but before any other segment ("1.0" < "1.0^git1" < "1.0.1");
 *   - a numeric segment is newer than an alphabetic one;
 *   - numbers compare by value (leading zeros do not count), letters by byte value.
 * When all segments are equal, the string with segments left over is newer.
 */
export function rpmvercmp(a: string, b: string): Ordering {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && isSeparatorAt(a, i)) i++;
    while (j < b.length && isSeparatorAt(b, j)) j++;

    const ca = a[i];
    const cb = b[j];
    if (ca === '~' || cb === '~') {
      if (ca !== '~') return 1;
      if (cb !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (ca === '^' || cb === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (ca !== '^') return 1;
      if (cb !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;

    const numeric = isDigitAt(a, i);
    const inSegment = numeric ? isDigitAt : isAlphaAt;
    let endA = i;
    while (endA < a.length && inSegment(a, endA)) endA++;
    let endB = j;
    while (endB < b.length && inSegment(b, endB)) endB++;
    // b's segment is of the other kind: numbers are newer than letters.
    if (endB === j) return numeric ? 1 : -1;

    let segA = a.slice(i, endA);
    let segB = b.slice(j, endB);
    if (numeric) {
      segA = segA.replace(/^0+/, '');
      segB = segB.replace(/^0+/, '');
      if (segA.length !== segB.length) return segA.length > segB.length ? 1 : -1;
    }
    if (segA !== segB) return segA < segB ? -1 : 1;
    i = endA;
    j = endB;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/** Compare epoch (as a number), then version, then release, the way rpm orders packages. */
export function compareEvr(a: Evr, b: Evr): Ordering {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return rpmvercmp(a.version, b.version) || rpmvercmp(a.release, b.release);
}

/** Name (bytewise), then EVR (rpm order: older first), then architecture (bytewise). */
export function compareNevra(a: Nevra, b: Nevra): Ordering {
  return compareBytes(a.name, b.name) || compareEvr(a, b) || compareBytes(a.arch, b.arch);
}

/**
 * The canonical order of a package list: by name, then architecture, then EVR (older first).
 * Versions rpm considers equal but spelled differently ("1.01" and "1.1") are ordered by
 * their NEVRA text, so the order is total and does not depend on the input order.
 */
export function sortPackages<T extends Nevra>(packages: readonly T[]): T[] {
  return [...packages].sort(
    (a, b) => compareBytes(a.name, b.name) || compareBytes(a.arch, b.arch) || compareEvr(a, b) || compareBytes(formatNevra(a), formatNevra(b)),
  );
}
