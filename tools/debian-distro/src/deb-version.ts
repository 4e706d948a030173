/**
 * Debian version strings and their RPM equivalents.
 *
 *   [epoch:]upstream[-revision]   ->   Epoch / Version / Release
 *
 * The epoch is what precedes the first ':', the revision what follows the last '-' (none ->
 * release "0"). RPM allows neither '-' nor ':' inside a version, so both become '.' in the
 * upstream part; '~' (sorts before everything in both dpkg and rpm) and '+' are kept.
 */

export interface DebianVersion {
  epoch: number;
  upstream: string;
  /** undefined for a native package ("1.2" rather than "1.2-1"). */
  revision: string | undefined;
}

export interface RpmEvr {
  epoch: number;
  version: string;
  release: string;
}

const UPSTREAM = /^[0-9][A-Za-z0-9.+~:-]*$/;
const REVISION = /^[A-Za-z0-9.+~]+$/;

export function parseDebianVersion(text: string): DebianVersion {
  const value = text.trim();
  let rest = value;
  let epoch = 0;
  const colon = value.indexOf(':');
  if (colon >= 0) {
    const epochText = value.slice(0, colon);
    if (!/^[0-9]+$/.test(epochText)) throw new Error(`invalid Debian version "${text}": bad epoch "${epochText}"`);
    epoch = Number(epochText);
    rest = value.slice(colon + 1);
  }
  let upstream = rest;
  let revision: string | undefined;
  const dash = rest.lastIndexOf('-');
  if (dash >= 0) {
    upstream = rest.slice(0, dash);
    revision = rest.slice(dash + 1);
    if (!REVISION.test(revision)) throw new Error(`invalid Debian version "${text}": bad revision "${revision}"`);
  }
  if (!UPSTREAM.test(upstream)) throw new Error(`invalid Debian version "${text}": bad upstream version "${upstream}"`);
  // Debian allows ':' in the upstream part only when an epoch is present, '-' only with a revision.
  if (colon < 0 && upstream.includes(':')) throw new Error(`invalid Debian version "${text}"`);
  return { epoch, upstream, revision };
}

/** The Epoch/Version/Release of a package built from a .deb of this version. */
export function debianToRpmEvr(text: string): RpmEvr {
  const { epoch, upstream, revision } = parseDebianVersion(text);
  return { epoch, version: upstream.replace(/[-:]/g, '.'), release: revision ?? '0' };
}

/**
 * EVR as written in dependencies. The epoch is always explicit: rpm and libsolv disagree on how
 * a missing epoch compares, and a Debian "1.0" must not match "1:0.5". The release is always
 * present ("-0" for a version without revision), or rpm would ignore it and ">> 1.0" would be
 * met by 1.0-1.
 */
export function formatDependencyEvr(evr: RpmEvr): string {
  return `${evr.epoch}:${evr.version}-${evr.release}`;
}

/** "E:V-R" with the epoch only when it is not 0, as rpm prints it. */
export function formatEvr(evr: RpmEvr): string {
  return `${evr.epoch ? `${evr.epoch}:` : ''}${evr.version}-${evr.release}`;
}
