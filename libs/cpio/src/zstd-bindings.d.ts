// The native layer under @mongodb-js/zstd's exports; zstd-stream.ts explains why it is called directly.
declare module '@mongodb-js/zstd/bindings' {
  export function compress(data: Buffer, level?: number | null): Promise<Buffer>;
  export function decompress(data: Buffer): Promise<Buffer>;
}
