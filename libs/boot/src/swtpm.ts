import { cp, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';

/** A TPM2 for a QEMU guest: Debian's swtpm, its state in a folder of its own. */
export interface SoftwareTpm {
  /** What QEMU needs to give the guest a TIS TPM on that socket. */
  qemuArgs: string[];
  stop(): Promise<void>;
}

/** Start swtpm with its state in stateDir (made when empty: a new TPM). */
export async function startSoftwareTpm(stateDir: string): Promise<SoftwareTpm> {
  const found = await execa('swtpm', ['--version'], { reject: false });
  if (found.exitCode !== 0) throw new Error('a TPM2 boot test needs swtpm: install swtpm (bash tools/host/setup.sh does)');
  await mkdir(stateDir, { recursive: true });
  const socket = join(stateDir, 'swtpm.sock');
  await rm(socket, { force: true });
  const child: ResultPromise = execa('swtpm', ['socket', '--tpm2', '--tpmstate', `dir=${stateDir}`, '--ctrl', `type=unixio,path=${socket}`, '--log', 'level=1'], { reject: false, all: true });
  for (let i = 0; !(await stat(socket).then(() => true, () => false)); i++) {
    if (i > 100 || child.exitCode !== null) throw new Error(`swtpm did not start: ${(await child).all}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    qemuArgs: ['-chardev', `socket,id=chrtpm,path=${socket}`, '-tpmdev', 'emulator,id=tpm0,chardev=chrtpm', '-device', 'tpm-tis,tpmdev=tpm0'],
    stop: async () => {
      child.kill('SIGTERM');
      await child;
      await rm(socket, { force: true });
    },
  };
}

/** A fresh copy of a TPM's state: a boot changes it, and the provisioned one must stay as it was. */
export async function copyTpmState(from: string, to: string): Promise<void> {
  await rm(to, { recursive: true, force: true });
  await cp(from, to, { recursive: true, filter: (source) => !source.endsWith('.sock') });
}
