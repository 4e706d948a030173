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

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['libs/*/src/**/*.spec.ts', 'tools/**/*.spec.ts', 'test/**/*.spec.ts'],
    exclude: ['**/node_modules/**', 'dist/**', '.nx/**'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    globalSetup: ['test/support/shared-cache.ts'],
  },
});
