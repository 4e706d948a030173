/**
 * update-alternatives, done statically: the `--install` calls of a postinst are read, and the
 * package that wins an alternative ships the symlinks update-alternatives would have made:
 *   LINK -> /etc/alternatives/NAME -> PATH   (and the same for each --slave whose PATH exists).
 */

export interface AlternativeLink {
  name: string;
  link: string;
  path: string;
}

export interface Alternative extends AlternativeLink {
  priority: number;
  slaves: AlternativeLink[];
}

const SHELL_END = new Set(['||', '&&', ';', '|', '&', '>', '>>', '2>', '2>&1', '>/dev/null']);

/** Whitespace tokens of one logical shell line, up to the end of the command. */
function commandTokens(line: string): string[] {
  const tokens: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const raw = match[0];
    const token = match[1] ?? match[2] ?? match[3]!;
    if (match[3] !== undefined && (SHELL_END.has(raw) || raw.startsWith('#') || /^[0-9]*>/.test(raw))) break;
    if (match[3] !== undefined && raw.endsWith(';')) {
      tokens.push(raw.slice(0, -1));
      break;
    }
    tokens.push(token);
  }
  return tokens;
}

/** Script text with backslash-newline continuations joined. */
export function logicalLines(script: string): string[] {
  return script.replace(/\\\r?\n/g, ' ').split('\n');
}

const isStatic = (token: string): boolean => !/[$`*?]/.test(token);

/**
 * Every `update-alternatives --install LINK NAME PATH PRIORITY [--slave LINK NAME PATH]...` with
 * literal arguments. Calls built from shell variables cannot be resolved statically and are
 * returned in `skipped`.
 */
export function parseAlternatives(script: string): { alternatives: Alternative[]; skipped: string[] } {
  const alternatives: Alternative[] = [];
  const skipped: string[] = [];
  for (const line of logicalLines(script)) {
    const start = line.search(/(^|[\s;(])update-alternatives\s/);
    if (start < 0) continue;
    const tokens = commandTokens(line.slice(start).trim());
    const install = tokens.indexOf('--install');
    if (install < 0) continue;
    const [link, name, path, priorityText] = tokens.slice(install + 1, install + 5);
    const rest = tokens.slice(install + 5);
    const args = [link, name, path, priorityText, ...rest];
    if (args.some((t) => t === undefined || !isStatic(t)) || !/^-?[0-9]+$/.test(priorityText ?? '')) {
      skipped.push(line.trim());
      continue;
    }
    const slaves: AlternativeLink[] = [];
    let ok = true;
    for (let i = 0; i < rest.length; ) {
      if (rest[i] !== '--slave' || rest.length - i < 4) {
        ok = false;
        break;
      }
      slaves.push({ link: rest[i + 1]!, name: rest[i + 2]!, path: rest[i + 3]! });
      i += 4;
    }
    if (!ok) {
      skipped.push(line.trim());
      continue;
    }
    alternatives.push({ link: link!, name: name!, path: path!, priority: Number(priorityText), slaves });
  }
  return { alternatives, skipped };
}

export interface AlternativeCandidate {
  packageName: string;
  alternative: Alternative;
}

/**
 * Which package provides each alternative: the highest priority, then the smaller package
 * name, as update-alternatives' automatic mode picks the highest priority.
 */
export function chooseAlternatives(candidates: readonly AlternativeCandidate[]): Map<string, AlternativeCandidate> {
  const chosen = new Map<string, AlternativeCandidate>();
  for (const candidate of candidates) {
    const current = chosen.get(candidate.alternative.name);
    if (
      !current ||
      candidate.alternative.priority > current.alternative.priority ||
      (candidate.alternative.priority === current.alternative.priority && candidate.packageName < current.packageName)
    ) {
      chosen.set(candidate.alternative.name, candidate);
    }
  }
  return chosen;
}
