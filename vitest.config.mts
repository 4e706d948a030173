import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = dirname(fileURLToPath(import.meta.url));

// Resolve @strata/* the same way TypeScript does: tsconfig.base.json is the single list of libraries.
const { compilerOptions } = JSON.parse(readFileSync(resolve(here, 'tsconfig.base.json'), 'utf8'));
const alias = Object.fromEntries(
  Object.entries(compilerOptions.paths as Record<string, string[]>).map(([name, [target]]) => [name, resolve(here, target)]),
);

// The suite in two halves that `npm test` (tools/test/run-suite.sh) runs side by side, one file
// at a time each: the files that build and boot the Debian-derived distribution's images (the
// boots, the UKI, the remote cache), and all the others (unit tests, the fixture distribution's
// end-to-end files, and the distribution's own build, which keeps the two halves about as long).
// One file at a time per half keeps the boots' timing honest on a 2-core machine; two halves keep
// both cores busy while one half waits on a guest or a server.
const DEBIAN_FILES = [
  'test/boot-matrix.spec.ts',
  'test/boot.spec.ts',
  'test/uki.spec.ts',
  'test/network-roots.spec.ts',
  'test/remote-cache.spec.ts',
];

const ALL_FILES = ['libs/*/src/**/*.spec.ts', 'tools/**/*.spec.ts', 'test/**/*.spec.ts'];
const EXCLUDED = ['**/node_modules/**', 'dist/**', '.nx/**'];

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 120_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    globalSetup: ['test/support/shared-cache.ts'],
    projects: [
      { extends: true, test: { name: 'debian', include: DEBIAN_FILES, exclude: EXCLUDED } },
      { extends: true, test: { name: 'others', include: ALL_FILES, exclude: [...EXCLUDED, ...DEBIAN_FILES] } },
    ],
  },
});
