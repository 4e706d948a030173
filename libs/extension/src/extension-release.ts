/**
 * The extension-release file: what systemd-sysext and systemd-confext read to decide whether an
 * extension fits the system it is merged into. Pure: the text comes from the recipe's release data.
 */

export type ExtensionKind = 'sysext' | 'confext';
export type ExtensionScope = 'initrd' | 'system' | 'portable';

export interface ExtensionReleaseFields {
  kind: ExtensionKind;
  /** ID= of the system the extension fits, or "_any". */
  id: string;
  /** VERSION_ID= of that system; used when there is no level. */
  versionId?: string;
  /** SYSEXT_LEVEL= (CONFEXT_LEVEL= for a confext); takes the place of VERSION_ID=. */
  level?: string;
  /** The rpm basearch the packages were resolved for, e.g. "x86_64". */
  basearch?: string;
  /** SYSEXT_SCOPE= (CONFEXT_SCOPE=). */
  scope: readonly ExtensionScope[];
}

/** Where the file lives inside the extension: systemd looks it up by the image's name. */
export function extensionReleasePath(kind: ExtensionKind, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name)) throw new Error(`"${name}" cannot name an extension: use letters, digits, ".", "_", "+" and "-"`);
  return kind === 'sysext' ? `usr/lib/extension-release.d/extension-release.${name}` : `etc/extension-release.d/extension-release.${name}`;
}

/** rpm basearch -> systemd's architecture name (ARCHITECTURE=, ConditionArchitecture=). */
const SYSTEMD_ARCHITECTURES: Readonly<Record<string, string>> = {
  x86_64: 'x86-64',
  i386: 'x86',
  i686: 'x86',
  aarch64: 'arm64',
  armhfp: 'arm',
  armv7hl: 'arm',
  ppc64le: 'ppc64-le',
  ppc64: 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  loongarch64: 'loongarch64',
  mips64el: 'mips64-le',
  alpha: 'alpha',
  ia64: 'ia64',
  sparc64: 'sparc64',
};

/** systemd's name for an rpm basearch; undefined for "noarch" (the extension fits every architecture). */
export function systemdArchitecture(basearch: string): string | undefined {
  if (basearch === 'noarch') return undefined;
  const name = SYSTEMD_ARCHITECTURES[basearch];
  if (name === undefined) {
    throw new Error(`no systemd architecture is known for basearch "${basearch}" (known: ${Object.keys(SYSTEMD_ARCHITECTURES).join(', ')}, noarch)`);
  }
  return name;
}

/** An os-release value: bare when it is a plain word, else double-quoted with \ " $ ` escaped. */
function osReleaseValue(value: string): string {
  if (/^[A-Za-z0-9._:+-]+$/.test(value)) return value;
  return `"${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}

/** The key=value pairs of the file, in the order they are written. */
export function extensionReleaseEntries(fields: ExtensionReleaseFields): [string, string][] {
  const prefix = fields.kind === 'sysext' ? 'SYSEXT' : 'CONFEXT';
  if (fields.id === '') throw new Error('an extension needs an ID ("_any" fits every system)');
  if (fields.scope.length === 0) throw new Error(`${prefix}_SCOPE would be empty: give the extension at least one scope`);
  const entries: [string, string][] = [['ID', fields.id]];
  if (fields.level !== undefined) entries.push([`${prefix}_LEVEL`, fields.level]);
  else if (fields.versionId !== undefined) entries.push(['VERSION_ID', fields.versionId]);
  const architecture = fields.basearch === undefined ? undefined : systemdArchitecture(fields.basearch);
  if (architecture !== undefined) entries.push(['ARCHITECTURE', architecture]);
  entries.push([`${prefix}_SCOPE`, [...new Set(fields.scope)].join(' ')]);
  return entries;
}

/** The file's text: one KEY=value per line, newline-terminated. */
export function extensionReleaseText(fields: ExtensionReleaseFields): string {
  return extensionReleaseEntries(fields)
    .map(([key, value]) => `${key}=${osReleaseValue(value)}\n`)
    .join('');
}
