import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { makeRootDisk, writeRootTree, type RootInit } from './root-disk';
import { GUEST_SERVER_ADDRESS, GUEST_MAC, ISCSI_TARGET, NBD_EXPORT, NFS_EXPORT, ROOT_LABEL, type RootVariant } from './root-variants';

/**
 * The servers of the network roots, Debian's own (NFS-Ganesha, nbd-server), on this machine and
 * bound to 127.0.0.1 only. The guest reaches them through QEMU's user-mode network with
 * restrict=on: nothing leaves the guest except the guestfwd connections to these ports.
 */
export interface TestServer {
  /** What the server is, for messages ("NFS-Ganesha on 127.0.0.1:40123"). */
  label: string;
  port: number;
  stop(): Promise<void>;
}


/** A free TCP port on 127.0.0.1 (the kernel picks it; the server binds it right after). */
export async function freeLoopbackPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const LOOPBACK_V4 = '0100007F';
const LOOPBACK_V4_IN_V6 = '0000000000000000FFFF00000100007F';

/**
 * The local addresses of the sockets listening on a TCP port, from /proc/net/tcp and tcp6 (hex, as
 * the kernel writes them): "127.0.0.1", "::ffff:127.0.0.1", or the raw hex of anything else.
 */
export async function listeningAddresses(port: number): Promise<string[]> {
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4 || fields[3] !== '0A') continue; // 0A: LISTEN
      const [address, hexPort] = fields[1].split(':');
      if (Number.parseInt(hexPort, 16) !== port) continue;
      found.push(address === LOOPBACK_V4 ? '127.0.0.1' : address === LOOPBACK_V4_IN_V6 ? '::ffff:127.0.0.1' : address);
    }
  }
  return found;
}

/** Wait until something listens on the port, then insist that it listens on the loopback only. */
async function awaitLoopbackListener(label: string, port: number, child: ResultPromise, log: () => Promise<string>): Promise<void> {
  for (let i = 0; ; i++) {
    const addresses = await listeningAddresses(port);
    if (addresses.length > 0) {
      const elsewhere = addresses.filter((address) => address !== '127.0.0.1' && address !== '::ffff:127.0.0.1');
      if (elsewhere.length > 0) {
        child.kill('SIGTERM');
        throw new Error(`${label} listens on ${elsewhere.join(', ')} (hex, /proc/net/tcp) as well as the loopback: a test server must bind to 127.0.0.1 only`);
      }
      return;
    }
    if (child.exitCode !== null || i > 200) {
      child.kill('SIGTERM');
      throw new Error(`${label} did not start listening on 127.0.0.1:${port}: ${(await log()).split('\n').slice(-15).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function requireTool(tool: string, versionArgs: string[], pkg: string): Promise<void> {
  const run = await execa(tool, versionArgs, { reject: false });
  if ((run as { code?: string }).code === 'ENOENT') throw new Error(`this boot test needs ${tool}: install ${pkg} (bash tools/host/setup.sh does)`);
}

/** An empty state folder for a server (its configuration, log and runtime files). */
async function freshState(stateDir: string): Promise<void> {
  await rm(stateDir, { recursive: true, force: true });
  await mkdir(stateDir, { recursive: true });
}

/**
 * Start a server in the foreground and return once it listens on 127.0.0.1:<port> only. Its
 * output (or its log file, when `log` reads one) explains a server that never listens.
 */
async function runServer(label: string, port: number, command: string, args: string[], options: { cwd?: string; log?: () => Promise<string> } = {}): Promise<TestServer> {
  const child = execa(command, args, { reject: false, all: true, ...(options.cwd ? { cwd: options.cwd } : {}) });
  let output = '';
  child.all?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await awaitLoopbackListener(label, port, child, options.log ?? (async () => output));
  return {
    label,
    port,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}

/**
 * NFS-Ganesha serving `exportDir` read-only as NFSv4 (4.1 and 4.2) at the pseudo path, its
 * configuration, log and recovery state in `stateDir`. No rpcbind (NFSv4 needs none), no grace
 * period, numeric owners (the initrd runs no idmapd).
 */
export async function startNfsServer(options: { exportDir: string; pseudoPath: string; stateDir: string }): Promise<TestServer> {
  await requireTool('ganesha.nfsd', ['-v'], 'nfs-ganesha and nfs-ganesha-vfs');
  await freshState(options.stateDir);
  await mkdir(join(options.stateDir, 'recovery'));
  const port = await freeLoopbackPort();
  const config = join(options.stateDir, 'ganesha.conf');
  const log = join(options.stateDir, 'ganesha.log');
  await writeFile(
    config,
    [
      'NFS_CORE_PARAM {',
      '  Protocols = 4;',
      `  NFS_Port = ${port};`,
      '  Bind_addr = 127.0.0.1;',
      '  Enable_NLM = false;',
      '  Enable_RQUOTA = false;',
      '  Enable_UDP = false;',
      '}',
      'NFS_KRB5 { Active_krb5 = false; }',
      'NFSV4 {',
      '  Graceless = true;',
      '  Minor_Versions = 1, 2;',
      '  Only_Numeric_Owners = true;',
      '  RecoveryBackend = fs;',
      `  RecoveryRoot = "${join(options.stateDir, 'recovery')}";`,
      '}',
      'EXPORT {',
      '  Export_Id = 1;',
      `  Path = "${options.exportDir}";`,
      `  Pseudo = "${options.pseudoPath}";`,
      '  Access_Type = RO;',
      '  Squash = No_Root_Squash;',
      '  SecType = sys;',
      '  Protocols = 4;',
      '  Transports = TCP;',
      '  FSAL { Name = VFS; }',
      '}',
      'LOG { Default_Log_Level = EVENT; }',
      '',
    ].join('\n'),
  );
  return await runServer(`NFS-Ganesha on 127.0.0.1:${port}`, port, 'ganesha.nfsd', ['-F', '-f', config, '-L', log, '-p', join(options.stateDir, 'ganesha.pid')], {
    log: () => readFile(log, 'utf8').catch(() => ''),
  });
}

/**
 * nbd-server exporting `image` under `name`, copy-on-write (the guest may write, the file never
 * changes; the changes are dropped with the server), its configuration in `stateDir`.
 */
export async function startNbdServer(options: { image: string; name: string; stateDir: string }): Promise<TestServer> {
  await requireTool('nbd-server', ['-V'], 'nbd-server');
  await freshState(options.stateDir);
  const port = await freeLoopbackPort();
  const config = join(options.stateDir, 'nbd-server.conf');
  await writeFile(
    config,
    ['[generic]', '  listenaddr = 127.0.0.1', `  port = ${port}`, `[${options.name}]`, `  exportname = ${options.image}`, '  copyonwrite = true', ''].join('\n'),
  );
  // -d: stay in the foreground, logging to stderr.
  return await runServer(`nbd-server on 127.0.0.1:${port}`, port, 'nbd-server', ['-C', config, '-d'], { cwd: options.stateDir });
}

/**
 * A tgt iSCSI target (Debian's tgtd) with one LUN backed by `image`, on 127.0.0.1:<port>. tgtd's
 * control socket lives in /run/tgtd, so it runs in a mount namespace of its own (unshare) with a
 * private tmpfs on /run: nothing is left on the host. tgtd ignores SIGTERM; the wrapping shell
 * kills it when it is stopped.
 */
export async function startIscsiTarget(options: { image: string; targetName: string; stateDir: string }): Promise<TestServer> {
  await requireTool('tgtd', ['--help'], 'tgt');
  await freshState(options.stateDir);
  const port = await freeLoopbackPort();
  const script = [
    'set -e',
    'mount -t tmpfs tmpfs /run',
    `tgtd -f --iscsi portal=127.0.0.1:${port} &`,
    'pid=$!',
    "trap 'kill -KILL $pid; exit 0' TERM",
    'for i in $(seq 100); do [ -S /run/tgtd/socket.0 ] && break; sleep 0.1; done',
    `tgtadm --lld iscsi --op new --mode target --tid 1 --targetname '${options.targetName}'`,
    `tgtadm --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 --backing-store '${options.image}'`,
    'tgtadm --lld iscsi --op bind --mode target --tid 1 --initiator-address ALL',
    'wait $pid',
  ].join('\n');
  await writeFile(join(options.stateDir, 'tgt-target.sh'), `${script}\n`);
  return await runServer(`tgt (iSCSI target ${options.targetName}) on 127.0.0.1:${port}`, port, 'unshare', ['--mount', '--propagation', 'private', 'bash', join(options.stateDir, 'tgt-target.sh')]);
}

/**
 * QEMU's user-mode network for a guest that may reach only the given servers: restrict=on, and
 * one guestfwd per server, from GUEST_SERVER_ADDRESS:<guestPort> to socat, which connects to
 * 127.0.0.1:<port> (a command per connection, so a client may reconnect).
 */
export function restrictedNetworkArgs(forwards: { guestPort: number; port: number }[], mac: string): string[] {
  const rules = forwards.map((forward) => `guestfwd=tcp:${GUEST_SERVER_ADDRESS}:${forward.guestPort}-cmd:socat STDIO TCP4:127.0.0.1:${forward.port}`);
  return ['-netdev', ['user', 'id=net0', 'restrict=on', ...rules].join(','), '-device', `virtio-net-pci,netdev=net0,mac=${mac}`];
}

/**
 * Serve the test root of a network variant from this machine: its files through NFS-Ganesha, or
 * its ext4 image through nbd-server or a tgt iSCSI target, in work/. Returns the server and the guest's network.
 */
export async function serveNetworkRoot(network: NonNullable<RootVariant['network']>, work: string, init: RootInit): Promise<{ server: TestServer; qemuArgs: string[] }> {
  let server: TestServer;
  if (network.server === 'iscsi') {
    const image = join(work, 'root.img');
    await makeRootDisk(image, { label: ROOT_LABEL, init });
    server = await startIscsiTarget({ image, targetName: ISCSI_TARGET, stateDir: join(work, 'iscsi-target') });
  } else if (network.server === 'nfs') {
    const tree = join(work, 'nfs-root');
    await rm(tree, { recursive: true, force: true });
    await mkdir(tree, { recursive: true });
    await writeRootTree(tree, { init });
    server = await startNfsServer({ exportDir: tree, pseudoPath: NFS_EXPORT, stateDir: join(work, 'nfs-server') });
  } else {
    const image = join(work, 'root.img');
    await makeRootDisk(image, { label: ROOT_LABEL, init });
    server = await startNbdServer({ image, name: NBD_EXPORT, stateDir: join(work, 'nbd-server') });
  }
  return { server, qemuArgs: restrictedNetworkArgs([{ guestPort: network.guestPort, port: server.port }], GUEST_MAC) };
}
