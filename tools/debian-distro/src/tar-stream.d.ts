// tar-stream 2 ships no types; this declares the parts the tar reader uses.
declare module 'tar-stream' {
  import type { Readable, Writable } from 'node:stream';

  export type EntryType =
    | 'file'
    | 'link'
    | 'symlink'
    | 'character-device'
    | 'block-device'
    | 'directory'
    | 'fifo'
    | 'contiguous-file'
    | 'pax-header'
    | 'pax-global-header'
    | 'gnu-long-link-path'
    | 'gnu-long-path';

  export interface Headers {
    name: string;
    mode: number;
    uid: number;
    gid: number;
    size: number;
    mtime: Date;
    /** null for a member type tar-stream does not know. */
    type: EntryType | null;
    linkname: string | null;
    uname: string;
    gname: string;
    devmajor: number;
    devminor: number;
    /** The member's pax records, when it has any. */
    pax?: Record<string, string>;
  }

  export interface ExtractOptions {
    /** Accept headers without the ustar or GNU magic (old tar). */
    allowUnknownFormat?: boolean;
    filenameEncoding?: BufferEncoding;
  }

  export interface Extract extends Writable {
    /** Each member in turn; the next one comes after `next` is called. */
    on(event: 'entry', listener: (headers: Headers, stream: Readable, next: (error?: Error) => void) => void): this;
    on(event: string | symbol, listener: (...args: any[]) => void): this;
  }

  export function extract(options?: ExtractOptions): Extract;
}
