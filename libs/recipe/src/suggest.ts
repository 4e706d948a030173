/**
 * "Did you mean ...?" for misspelt keys, values and recipe names.
 */

/**
 * Edit distance between two strings: insertions, deletions, substitutions and swaps of two
 * neighbouring characters each count 1 ("pakcages" is 1 away from "packages").
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rows suffice: the current one, the previous one and the one before (for swaps).
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      current[j] = d;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length];
}

/** Case, "-" and "_" do not make two spellings different: weak_dependencies ~ weakDependencies. */
function normalize(word: string): string {
  return word.toLowerCase().replace(/[-_]/g, '');
}

/** How far a candidate may be from what was typed: 1 for short words, 2 up to 8 characters, then 3. */
export function maxSuggestionDistance(word: string): number {
  return word.length <= 4 ? 1 : word.length <= 8 ? 2 : 3;
}

/**
 * The candidate closest to `word`, or undefined when none is close enough to be a likely typo.
 * Ties go to the candidate listed first.
 */
export function suggest(word: string, candidates: Iterable<string>, maxDistance = maxSuggestionDistance(word)): string | undefined {
  const typed = normalize(word);
  let best: { candidate: string; distance: number; raw: number } | undefined;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = editDistance(typed, normalize(candidate));
    if (distance > maxDistance) continue;
    const raw = editDistance(word, candidate);
    if (!best || distance < best.distance || (distance === best.distance && raw < best.raw)) best = { candidate, distance, raw };
  }
  return best?.candidate;
}

/** The hint line for a suggestion: 'did you mean "packages"?'. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const found = suggest(word, candidates);
  return found === undefined ? undefined : `did you mean "${found}"?`;
}
