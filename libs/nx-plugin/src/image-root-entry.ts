// The child process of `asImageRoot`: root of a mapped user namespace, it runs one executor with
// the request it reads on standard input, and exits 0 when the executor succeeds.
import { readFileSync } from 'node:fs';
import type { ExecutorContext } from '@nx/devkit';
import type { Executor, ImageRootRequest } from './image-root';

async function main(): Promise<number> {
  const request = JSON.parse(readFileSync(0, 'utf8')) as ImageRootRequest;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const executor = (require(request.module) as { default: Executor<unknown> }).default;
  const result = await executor(request.options, request.context as ExecutorContext);
  return result.success ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(String((err as Error).message ?? err));
    process.exit(1);
  },
);
