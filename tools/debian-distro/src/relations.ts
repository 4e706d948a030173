/**
 * Debian package relations (Depends, Pre-Depends, Recommends, Suggests, Enhances, Conflicts,
 * Breaks, Provides) and how they are written as RPM dependencies.
 *
 * Two namespaces keep Debian's semantics under rpm's rules:
 *   - unversioned relations use the plain name, which the package of that name provides
 *     (rpm's own "NAME = EVR") and every package with `Provides: NAME` provides;
 *   - versioned relations use `deb(NAME) OP E:V-R`. Every package provides `deb(NAME) = EVR`
 *     for itself and for each *versioned* Provides. An unversioned Debian Provides never
 *     satisfies a versioned relation, but an unversioned rpm Provides satisfies any version,
 *     so unversioned Provides never appear in the deb() namespace.
 * Alternatives `a | b` become the rich dependency `(a or b)`; architecture qualifiers (`:any`,
 * `:native`, `:amd64`) are dropped: the distribution has one architecture.
 */
import { debianToRpmEvr, formatDependencyEvr } from './deb-version';

export type DebianOperator = '<<' | '<=' | '=' | '>=' | '>>';

export interface Relation {
  name: string;
  /** Present for a versioned relation. */
  version?: { operator: DebianOperator; version: string };
}

/** One comma-separated item: its alternatives, in the order given. */
export type RelationGroup = Relation[];

const RPM_OPERATOR: Record<DebianOperator, string> = { '<<': '<', '<=': '<=', '=': '=', '>=': '>=', '>>': '>' };

// name[:arch] [(op version)] [[arch list]] [<build profiles>]
const RELATION = /^([a-z0-9][a-z0-9+.-]*)(?::([a-z0-9-]+))?\s*(?:\(\s*(<<|<=|>=|>>|=|<|>)\s*([^)\s]+)\s*\))?\s*(?:\[[^\]]*\])?\s*(?:<[^>]*>\s*)*$/;

function parseRelation(text: string, field: string): Relation {
  const match = RELATION.exec(text.trim());
  if (!match) throw new Error(`cannot parse ${field} relation "${text.trim()}"`);
  const [, name, , operator, version] = match;
  if (operator === undefined || version === undefined) return { name: name! };
  // "<" and ">" are obsolete spellings of "<=" and ">=".
  const op: DebianOperator = operator === '<' ? '<=' : operator === '>' ? '>=' : (operator as DebianOperator);
  return { name: name!, version: { operator: op, version } };
}

/** Parses a relation field ("a (>= 1), b | c:any"); an empty field gives no groups. */
export function parseRelations(value: string | undefined, field = 'relation'): RelationGroup[] {
  const text = (value ?? '').replace(/\s+/g, ' ').trim();
  if (text === '') return [];
  return text.split(',').map((group) => {
    if (group.trim() === '') throw new Error(`empty item in ${field} "${text}"`);
    return group.split('|').map((alternative) => parseRelation(alternative, field));
  });
}

/** A single relation as an rpm dependency atom. */
export function relationToRpm(relation: Relation): string {
  if (!relation.version) return relation.name;
  const evr = formatDependencyEvr(debianToRpmEvr(relation.version.version));
  return `deb(${relation.name}) ${RPM_OPERATOR[relation.version.operator]} ${evr}`;
}

/** One relation group as an rpm dependency: an atom, or a rich `(a or b)` for alternatives. */
export function relationGroupToRpm(group: RelationGroup): string {
  const atoms = [...new Set(group.map(relationToRpm))];
  if (atoms.length === 1) return atoms[0]!;
  return `(${atoms.join(' or ')})`;
}

/** Depends-like field -> rpm dependencies, duplicates removed, order kept. */
export function relationsToRpm(value: string | undefined, field?: string): string[] {
  return [...new Set(parseRelations(value, field).map(relationGroupToRpm))];
}

/**
 * What a package provides in rpm terms: `deb(NAME) = EVR` for itself, and for each Debian
 * Provides the plain name (versioned if Debian gives a version) plus, when versioned, the
 * deb() entry.
 */
export function providesToRpm(name: string, version: string, provides: string | undefined): string[] {
  const out = [`deb(${name}) = ${formatDependencyEvr(debianToRpmEvr(version))}`];
  for (const group of parseRelations(provides, 'Provides')) {
    if (group.length !== 1) throw new Error(`Provides of ${name} has an alternative: ${provides}`);
    const provided = group[0]!;
    if (!provided.version) {
      out.push(provided.name);
      continue;
    }
    if (provided.version.operator !== '=') throw new Error(`Provides of ${name} with operator ${provided.version.operator}`);
    const evr = formatDependencyEvr(debianToRpmEvr(provided.version.version));
    out.push(`${provided.name} = ${evr}`, `deb(${provided.name}) = ${evr}`);
  }
  return [...new Set(out)];
}

/**
 * Conflicts and Breaks -> rpm Conflicts. Versioned ones use the deb() namespace (so they match
 * only the real package or a versioned Provides, as in Debian); unversioned ones use the plain
 * name (the package and every provider, as in Debian; rpm ignores a package's conflict with
 * itself, as dpkg does). Alternatives cannot appear in these fields.
 */
export function conflictsToRpm(conflicts: string | undefined, breaks: string | undefined): string[] {
  const out: string[] = [];
  for (const [field, value] of [['Conflicts', conflicts], ['Breaks', breaks]] as const) {
    for (const group of parseRelations(value, field)) {
      if (group.length !== 1) throw new Error(`${field} with alternatives: ${value}`);
      out.push(relationToRpm(group[0]!));
    }
  }
  return [...new Set(out)];
}
