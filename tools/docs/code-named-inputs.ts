import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeNamedInputs } from '../../libs/nx-plugin/src/code-inputs';

/**
 * nx.json with the named inputs that hold the code of strata's executors as it is now (the
 * plugin's targets name them while they match; see codeInputsOf in the plugin).
 */
export function nxJsonWithCodeInputs(workspaceRoot: string): string {
  const nxJson = JSON.parse(readFileSync(join(workspaceRoot, 'nx.json'), 'utf8')) as { namedInputs?: Record<string, unknown> };
  nxJson.namedInputs = { ...nxJson.namedInputs, ...codeNamedInputs(workspaceRoot, nxJson.namedInputs) };
  return `${JSON.stringify(nxJson, null, 2)}\n`;
}

/** Rewrite nx.json's code inputs in place; false when they were already up to date. */
export function updateCodeNamedInputs(workspaceRoot: string): boolean {
  const path = join(workspaceRoot, 'nx.json');
  const next = nxJsonWithCodeInputs(workspaceRoot);
  if (next === readFileSync(path, 'utf8')) return false;
  writeFileSync(path, next);
  return true;
}
