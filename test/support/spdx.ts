import Ajv from 'ajv';
import schema from './spdx-2.3-subset.schema.json';

const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(schema);

/**
 * Problems of an SPDX 2.3 JSON document: the schema (see the $comment in the schema file for why it
 * is a hand-written subset), plus what a schema cannot say: unique SPDX ids, and relationships that
 * name elements of the document.
 */
export function spdxProblems(doc: unknown): string[] {
  const problems: string[] = [];
  if (!validate(doc)) problems.push(...(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`));
  const d = doc as { packages?: { SPDXID: string }[]; relationships?: { spdxElementId: string; relatedSpdxElement: string }[] };
  const ids = ['SPDXRef-DOCUMENT', ...(d.packages ?? []).map((p) => p.SPDXID)];
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) problems.push(`SPDX id ${id} is used twice`);
    seen.add(id);
  }
  for (const r of d.relationships ?? []) {
    for (const id of [r.spdxElementId, r.relatedSpdxElement]) if (!seen.has(id)) problems.push(`relationship names ${id}, which the document does not have`);
  }
  return problems;
}
