/**
 * Pull-based reading over a stream of chunks: the archive parser asks for exactly the bytes it
 * needs next (a header, a name, one entry's data) and only that much is buffered.
 */
export class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private finished = false;
  private readonly source: AsyncIterator<Buffer>;
  /** Bytes consumed so far, for error messages and alignment. */
  offset = 0;

  constructor(source: AsyncIterable<Buffer | Uint8Array | string>) {
    const iterator = source[Symbol.asyncIterator]();
    this.source = {
      next: async () => {
        const result = await iterator.next();
        if (result.done) return result;
        const value = result.value;
        return { done: false, value: Buffer.isBuffer(value) ? value : typeof value === 'string' ? Buffer.from(value) : Buffer.from(value.buffer, value.byteOffset, value.byteLength) };
      },
    };
  }

  static fromBuffer(buffer: Buffer): ByteReader {
    return new ByteReader((async function* () {
      yield buffer;
    })());
  }

  /** Buffer at least `count` bytes unless the input ends first; returns whether it got them. */
  private async fill(count: number): Promise<boolean> {
    while (this.buffered < count && !this.finished) {
      const { done, value } = await this.source.next();
      if (done) this.finished = true;
      else if (value.length > 0) {
        this.chunks.push(value);
        this.buffered += value.length;
      }
    }
    return this.buffered >= count;
  }

  /** Up to `count` bytes from the current position, without consuming them. */
  async peek(count: number): Promise<Buffer> {
    await this.fill(count);
    const first = this.chunks[0];
    if (first && first.length >= count) return first.subarray(0, count);
    return Buffer.concat(this.chunks, Math.min(count, this.buffered));
  }

  /** Exactly `count` bytes; throws if the input ends first. */
  async read(count: number, what = 'data'): Promise<Buffer> {
    if (!(await this.fill(count))) throw new Error(`truncated archive: ${what} needs ${count} bytes at offset ${this.offset}, only ${this.buffered} left`);
    if (count === 0) return Buffer.alloc(0);
    if (this.chunks[0].length < count) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    const out = this.chunks[0].subarray(0, count);
    this.drop(count);
    return out;
  }

  /** Consume `count` bytes without keeping them. */
  async skip(count: number, what = 'data'): Promise<void> {
    let left = count;
    while (left > 0) {
      if (!(await this.fill(1))) throw new Error(`truncated archive: ${what} needs ${count} bytes at offset ${this.offset - (count - left)}`);
      const step = Math.min(left, this.buffered);
      this.drop(step);
      left -= step;
    }
  }

  /** Consume zero bytes (padding between archives); returns how many. */
  async skipZeros(): Promise<number> {
    let skipped = 0;
    while (await this.fill(1)) {
      const first = this.chunks[0];
      let zeros = 0;
      while (zeros < first.length && first[zeros] === 0) zeros++;
      if (zeros === 0) break;
      this.drop(zeros);
      skipped += zeros;
    }
    return skipped;
  }

  /** Everything that is left, in one buffer. */
  async readRest(): Promise<Buffer> {
    await this.fill(Infinity);
    return this.read(this.buffered, 'rest');
  }

  /** Everything that is left, as a stream: what is buffered, then the rest of the source. */
  async *remaining(): AsyncIterable<Buffer> {
    while (this.chunks.length > 0 || !this.finished) {
      if (this.chunks.length === 0 && !(await this.fill(1))) return;
      const chunk = this.chunks[0];
      this.drop(chunk.length);
      yield chunk;
    }
  }

  /** Put bytes back in front (what a decoder read ahead but did not use). */
  unread(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.chunks.unshift(bytes);
    this.buffered += bytes.length;
    this.offset -= bytes.length;
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill(1));
  }

  private drop(count: number): void {
    let left = count;
    while (left > 0) {
      const first = this.chunks[0];
      if (first.length <= left) {
        this.chunks.shift();
        left -= first.length;
      } else {
        this.chunks[0] = first.subarray(left);
        left = 0;
      }
    }
    this.buffered -= count;
    this.offset += count;
  }
}
