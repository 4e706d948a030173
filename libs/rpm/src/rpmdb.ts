import { execa } from 'execa';
import { RPMDB_PATH, runSandboxed } from '@strata/sandbox';

/** Where strata's trees keep their rpm database (Debian's rpm would otherwise look under $HOME). */
export const RPMDB_MACRO = ['--define', `_dbpath ${RPMDB_PATH}`];

export interface InstalledPackage {
  nevra: string;
  name: string;
  installSize: number;
}

/** The packages the tree's rpm database says are installed. */
export async function queryInstalled(root: string): Promise<InstalledPackage[]> {
  const { stdout } = await execa('rpm', ['--root', root, ...RPMDB_MACRO, '-qa', '--qf', '%{NAME}\\t%{NEVRA}\\t%{SIZE}\\n']);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, nevra, size] = line.split('\t');
      return { name, nevra, installSize: Number(size) };
    })
    .sort((a, b) => (a.nevra < b.nevra ? -1 : a.nevra > b.nevra ? 1 : 0));
}

/** Remove packages by name without running scriptlets or checking dependencies (recipe's removePackages). */
export async function erasePackages(root: string, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  // In the sandbox: the host's rpm macros and plugins must not take part.
  await runSandboxed({ imageRoot: root, sourceDateEpoch: Number(process.env.SOURCE_DATE_EPOCH ?? 0) || 0 }, ['rpm', '--root', root, ...RPMDB_MACRO, '-e', '--nodeps', '--noscripts', ...names]);
}

/**
 * rpm keeps its sqlite database in WAL mode and may leave -wal/-shm files beside it. Fold the log
 * into the database and drop both, so the tree carries one self-contained, reproducible file.
 */
export async function checkpointRpmDatabase(root: string): Promise<void> {
  const db = `${root}/usr/lib/sysimage/rpm/rpmdb.sqlite`;
  const script = [
    'import sqlite3, sys, os',
    'path = sys.argv[1]',
    'if os.path.exists(path):',
    '    c = sqlite3.connect(path)',
    '    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")',
    '    c.execute("PRAGMA journal_mode=DELETE")',
    '    c.close()',
  ].join('\n');
  await execa('/usr/bin/python3', ['-c', script, db]);
}
