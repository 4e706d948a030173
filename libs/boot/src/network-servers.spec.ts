import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listeningAddresses, restrictedNetworkArgs } from './network-servers';

describe('listeningAddresses', () => {
  const servers: Server[] = [];
  const listen = (host: string) =>
    new Promise<number>((resolve) => {
      const server = createServer();
      servers.push(server);
      server.listen(0, host, () => resolve((server.address() as { port: number }).port));
    });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('tells a loopback listener from one on every address', async () => {
    const loopback = await listen('127.0.0.1');
    expect(await listeningAddresses(loopback)).toEqual(['127.0.0.1']);
    const everywhere = await listen('0.0.0.0');
    expect(await listeningAddresses(everywhere)).toEqual(['00000000']);
  });

  it('finds nothing on a port nobody listens on', async () => {
    const port = await listen('127.0.0.1');
    await new Promise((resolve) => servers.pop()?.close(resolve));
    expect(await listeningAddresses(port)).toEqual([]);
  });
});

describe('restrictedNetworkArgs', () => {
  it('gives the guest a restricted user network whose only way out is the forwarded server', () => {
    const args = restrictedNetworkArgs([{ guestPort: 2049, port: 40123 }], '52:54:00:5e:00:53');
    expect(args).toEqual([
      '-netdev',
      'user,id=net0,restrict=on,guestfwd=tcp:10.0.2.100:2049-cmd:socat STDIO TCP4:127.0.0.1:40123',
      '-device',
      'virtio-net-pci,netdev=net0,mac=52:54:00:5e:00:53',
    ]);
  });
});
