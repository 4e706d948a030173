// picomatch ships no types; this declares the one function strata calls.
declare module 'picomatch/posix' {
  interface PicomatchOptions {
    dot?: boolean;
    strictSlashes?: boolean;
    posix?: boolean;
    nobrace?: boolean;
    noextglob?: boolean;
    nonegate?: boolean;
    literalBrackets?: boolean;
    fastpaths?: boolean;
    debug?: boolean;
    regex?: boolean;
  }
  const picomatch: {
    makeRe(pattern: string, options?: PicomatchOptions): RegExp;
  };
  export default picomatch;
}
