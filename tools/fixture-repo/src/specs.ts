/**
 * What the fixture repository holds, per snapshot: the single table of spec files, versions and
 * build dates. Snapshot 2 is snapshot 1 after an update: the rows that differ are the updates,
 * every other row is built identically (same spec, same defines, same date) and so gives a
 * byte-identical RPM.
 */

export type Snapshot = 1 | 2;
export const SNAPSHOTS: readonly Snapshot[] = [1, 2];
export const DEFAULT_SNAPSHOT: Snapshot = 1;

/** SOURCE_DATE_EPOCH of the original packages (2023-11-14T22:13:20Z). */
export const BASE_DATE = 1_700_000_000;
/** SOURCE_DATE_EPOCH of the packages updated in snapshot 2, one week later. */
export const UPDATE_DATE = BASE_DATE + 7 * 24 * 3600;

/** Repository revision per snapshot: a Unix time, so createrepo_c can also stamp repomd.xml with it. */
export const SNAPSHOT_REVISION: Readonly<Record<Snapshot, number>> = { 1: BASE_DATE, 2: UPDATE_DATE };

/** Stands for the version reported by the host's busybox binary, which the busybox package wraps. */
export const HOST_BUSYBOX_VERSION = Symbol('host busybox version');

export interface SpecBuild {
  /** Folder under specs/ holding `<spec>.spec` and its sources. */
  spec: string;
  epoch?: number;
  version: string | typeof HOST_BUSYBOX_VERSION;
  release: string;
  /** SOURCE_DATE_EPOCH: build time and upper bound of every file time in the package. */
  date: number;
  snapshots: readonly Snapshot[];
}

const BOTH: readonly Snapshot[] = [1, 2];

export const SPEC_BUILDS: readonly SpecBuild[] = [
  { spec: 'filesystem', version: '1.0', release: '1', date: BASE_DATE, snapshots: BOTH },
  { spec: 'busybox', version: HOST_BUSYBOX_VERSION, release: '1', date: BASE_DATE, snapshots: BOTH },
  { spec: 'initrd-init', version: '1.0', release: '1', date: BASE_DATE, snapshots: BOTH },
  { spec: 'tzdata-lite', epoch: 2, version: '2023c', release: '1', date: BASE_DATE, snapshots: BOTH },
  // Builds storage-tools and storage-tools-doc (the weak dependency).
  { spec: 'storage-tools', version: '1.0', release: '1', date: BASE_DATE, snapshots: [1] },
  { spec: 'storage-tools', version: '1.0', release: '2', date: UPDATE_DATE, snapshots: [2] },
  { spec: 'editor-tiny', version: '1.2^20231110git5d1e2f0', release: '1', date: BASE_DATE, snapshots: BOTH },
  { spec: 'editor-full', version: '3.0~rc1', release: '1', date: BASE_DATE, snapshots: [1] },
  { spec: 'editor-full', version: '3.0', release: '1', date: UPDATE_DATE, snapshots: [2] },
  { spec: 'debug-tools', version: '2.0', release: '1', date: BASE_DATE, snapshots: [1] },
  { spec: 'debug-tools', version: '2.1', release: '1', date: UPDATE_DATE, snapshots: [2] },
  { spec: 'libdemo', version: '1.0', release: '1', date: BASE_DATE, snapshots: BOTH },
  { spec: 'libdemo', version: '1.1', release: '1', date: BASE_DATE, snapshots: BOTH },
  // Builds demo-daemon, demo-modules-index, demo-module-a/-b, demo-hostile and demo-broken.
  { spec: 'scriptlet-demo', version: '1.0', release: '1', date: BASE_DATE, snapshots: BOTH },
  { spec: 'console-devices', version: '1.0', release: '1', date: BASE_DATE, snapshots: BOTH },
];

export function buildsFor(snapshot: Snapshot): SpecBuild[] {
  return SPEC_BUILDS.filter((build) => build.snapshots.includes(snapshot));
}

/** Reads STRATA_FIXTURE_SNAPSHOT's value: unset or empty means the default snapshot. */
export function parseSnapshot(value: string | undefined): Snapshot {
  if (value === undefined || value.trim() === '') return DEFAULT_SNAPSHOT;
  const snapshot = SNAPSHOTS.find((s) => String(s) === value.trim());
  if (snapshot === undefined) {
    throw new Error(`STRATA_FIXTURE_SNAPSHOT must be one of ${SNAPSHOTS.join(', ')}, not ${JSON.stringify(value)}`);
  }
  return snapshot;
}
