/** What the store needs to know of a locked package (a lock entry has all of it). */
export interface StoredPackage {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  nevra: string;
  sha256: string;
  /** The repository id and the location within it, as the lock records them. */
  repository: string;
  location: string;
}
