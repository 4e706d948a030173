/**
 * The busybox package wraps a binary from the build host. It must be statically linked (the
 * image holds no C library) and its version becomes the package version.
 */
import { open } from 'node:fs/promises';
import { execa } from 'execa';

export const DEFAULT_BUSYBOX = '/bin/busybox';

export interface HostBusybox {
  path: string;
  version: string;
}

const PT_INTERP = 3;

/** True when the ELF file has no program interpreter, i.e. is statically linked. */
export async function isStaticElf(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const ident = Buffer.alloc(64);
    await file.read(ident, 0, 64, 0);
    if (ident.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF file`);
    const is64 = ident[4] === 2;
    const le = ident[5] === 1;
    const u16 = (b: Buffer, at: number): number => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
    const u32 = (b: Buffer, at: number): number => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
    const phoff = is64 ? Number(le ? ident.readBigUInt64LE(0x20) : ident.readBigUInt64BE(0x20)) : u32(ident, 0x1c);
    const phentsize = u16(ident, is64 ? 0x36 : 0x2a);
    const phnum = u16(ident, is64 ? 0x38 : 0x2c);
    const table = Buffer.alloc(phentsize * phnum);
    await file.read(table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) {
      if (u32(table, i * phentsize) === PT_INTERP) return false;
    }
    return true;
  } finally {
    await file.close();
  }
}

export async function probeHostBusybox(path = DEFAULT_BUSYBOX): Promise<HostBusybox> {
  if (!(await isStaticElf(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new Error(`${path} not found: install busybox-static (tools/host/setup.sh)`);
    throw err;
  }))) {
    throw new Error(`${path} is dynamically linked: the fixture needs a static busybox (busybox-static)`);
  }
  const { stdout } = await execa(path, ['--help'], { reject: false, env: { LC_ALL: 'C' }, extendEnv: false });
  const match = /^BusyBox v(\d+(?:\.\d+)+)/m.exec(stdout);
  if (!match) throw new Error(`cannot read the version of ${path} from its --help output`);
  return { path, version: match[1]! };
}
