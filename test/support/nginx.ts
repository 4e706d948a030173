import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';

/** A real nginx (Debian's) serving a folder on 127.0.0.1 only; PUT writes into it (WebDAV). */
export interface Nginx {
  url: string;
  /** The requests it served: "METHOD /path STATUS" per line. */
  requests(): Promise<string[]>;
  stop(): Promise<void>;
}

/** A port nothing listens on yet, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startNginx(root: string, options: { readOnly?: boolean } = {}): Promise<Nginx> {
  const which = await execa('sh', ['-c', 'command -v nginx || test -x /usr/sbin/nginx && echo /usr/sbin/nginx'], { reject: false });
  const binary = which.stdout.trim().split('\n')[0];
  if (!binary) throw new Error('nginx is not installed: run bash tools/host/setup.sh (it installs nginx-light)');
  const dir = await mkdtemp(join(tmpdir(), 'strata-nginx-'));
  await mkdir(join(dir, 'temp'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  await writeFile(
    conf,
    `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
error_log ${dir}/error.log;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
  log_format requests '$request_method $uri $status';
  access_log ${dir}/access.log requests;
  client_body_temp_path ${dir}/temp/body;
  proxy_temp_path ${dir}/temp/proxy;
  fastcgi_temp_path ${dir}/temp/fastcgi;
  uwsgi_temp_path ${dir}/temp/uwsgi;
  scgi_temp_path ${dir}/temp/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / {
      ${options.readOnly ? '' : 'dav_methods PUT; create_full_put_path on; client_max_body_size 0;'}
    }
  }
}
`,
  );
  const child: ResultPromise = execa(binary, ['-c', conf, '-p', dir, '-g', 'daemon off;'], { reject: false, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${url}/`).then(() => true, () => false);
    if (up) break;
    if (i > 100 || child.exitCode !== null) {
      child.kill('SIGTERM');
      throw new Error(`nginx did not start: ${await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    requests: async () => (await readFile(join(dir, 'access.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
    stop: async () => {
      child.kill('SIGTERM');
      await child;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
