import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import type { RecipePath, SourcePosition } from './types';

/** Which end of a mapping entry a position refers to. */
export type PositionTarget = 'key' | 'value';

/**
 * Positions of the nodes of a parsed YAML document, by path.
 *
 * `position(path)` gives, for a path ending in a mapping key, the position of the key (the
 * line a person looks for); for a path ending in a list index, the position of the item.
 * With `at = 'value'` it gives the position of the value instead (an empty value falls back
 * to its key). A path that does not exist gives the position of its deepest existing part,
 * so an error about an absent key points at the mapping that lacks it.
 */
export class SourceMap {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly text: string,
  ) {}

  private at(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  private resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  /** The deepest node along `path`, the pair that holds it (when reached through a key), and whether the whole path exists. */
  private walk(path: RecipePath): { node: unknown; pair: Pair | undefined; complete: boolean } {
    let node: unknown = this.doc.contents;
    let pair: Pair | undefined;
    for (const segment of path) {
      const current = this.resolve(node);
      if (isMap(current)) {
        const found = current.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (!found) return { node, pair, complete: false };
        pair = found;
        node = found.value;
      } else if (isSeq(current) && typeof segment === 'number' && segment >= 0 && segment < current.items.length) {
        pair = undefined;
        node = current.items[segment];
      } else {
        return { node, pair, complete: false };
      }
    }
    return { node, pair, complete: true };
  }

  private isEmpty(node: unknown): boolean {
    return node === null || node === undefined || (isScalar(node) && node.value === null && !node.source);
  }

  private nodeStart(node: unknown): number | undefined {
    const range = (node as Node | null)?.range;
    return range ? range[0] : undefined;
  }

  position(path: RecipePath, at: PositionTarget = 'key'): SourcePosition {
    const { node, pair, complete } = this.walk(path);
    const key = pair ? this.nodeStart(pair.key) : undefined;
    if (complete && at === 'key' && key !== undefined) return this.at(key);
    if (this.isEmpty(node) && key !== undefined) return this.at(key);
    const start = this.nodeStart(node);
    if (start !== undefined) return this.at(start);
    return key !== undefined ? this.at(key) : { line: 1, column: 1 };
  }

  /** Whether every key and index of `path` exists in the document. */
  has(path: RecipePath): boolean {
    return this.walk(path).complete;
  }

  /** The position of `needle` inside the source of the scalar at `path` (e.g. a "$variable" in a URL). */
  positionWithin(path: RecipePath, needle: string): SourcePosition {
    const { node, complete } = this.walk(path);
    const range = (node as Node | null)?.range;
    if (complete && range) {
      const index = this.text.slice(range[0], range[1]).indexOf(needle);
      if (index >= 0) return this.at(range[0] + index);
    }
    return this.position(path, 'value');
  }
}
