/**
 * An SPDX 2.3 (JSON) software bill of materials for an image: the image itself, one package per
 * NEVRA it contains (with the RPM's sha256 from the lock, where it was downloaded from, and a
 * package URL), the kernel modules archive, and DESCRIBES/CONTAINS relationships. Deterministic:
 * the creation time is SOURCE_DATE_EPOCH and the namespace is derived from the image's sha256.
 * Pure.
 */
import { parseNevra } from '@strata/rpm';
import type { LockedPackage } from '@strata/lock';

export interface SbomLayer {
  layer: string;
  packages: readonly LockedPackage[];
  /** Repository id -> the base URL packages were downloaded from, or null when there is none to name
   * (a repository built in the workspace, a metalink or mirror list). */
  repositories: ReadonlyMap<string, string | null>;
}

export interface SbomInput {
  recipe: string;
  kind: string;
  image: string;
  imageSha256: string;
  sourceDateEpoch: number;
  /** The image manifest's packages. */
  packages: readonly { nevra: string; layer: string }[];
  /** The lock of every layer of the chain. */
  layers: readonly SbomLayer[];
  /** The purl namespace: the distribution's os-release ID (e.g. "fedora"). */
  purlNamespace: string;
  /** source: "host", or the NEVRAs of the locked kernel package set (kernel.package). */
  kernel?: { version: string; sha256: string; image: string; source?: 'host' | string[] } | null;
  /** "strata-0.1.0". */
  tool: string;
}

export interface SpdxChecksum {
  algorithm: 'SHA256';
  checksumValue: string;
}

export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  packageFileName?: string;
  supplier: string;
  downloadLocation: string;
  filesAnalyzed: false;
  checksums?: SpdxChecksum[];
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: string;
  primaryPackagePurpose?: string;
  sourceInfo?: string;
  comment?: string;
  externalRefs?: { referenceCategory: string; referenceType: string; referenceLocator: string }[];
}

export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[]; comment?: string };
  packages: SpdxPackage[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
}

/** Namespace base; the document's own part is the recipe and the image's sha256. */
export const NAMESPACE_BASE = 'https://strata.invalid/spdx';
const IMAGE_ID = 'SPDXRef-Image';
const NOASSERTION = 'NOASSERTION';

/** purl components are percent-encoded except for letters, digits and . - _ ~ */
function purlEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** pkg:rpm/<namespace>/<name>@<version>-<release>?arch=<arch>[&epoch=<epoch>] (the epoch only when not 0). */
export function rpmPurl(namespace: string, p: Pick<LockedPackage, 'name' | 'epoch' | 'version' | 'release' | 'arch'>): string {
  const qualifiers = [`arch=${purlEncode(p.arch)}`, ...(p.epoch ? [`epoch=${p.epoch}`] : [])];
  return `pkg:rpm/${purlEncode(namespace.toLowerCase())}/${purlEncode(p.name)}@${purlEncode(`${p.version}-${p.release}`)}?${qualifiers.join('&')}`;
}

/** SPDX ids allow letters, digits, "." and "-". */
function spdxId(prefix: string, text: string, taken: Set<string>): string {
  const base = `${prefix}-${text.replace(/[^A-Za-z0-9.-]/g, '-')}`;
  let id = base;
  for (let i = 2; taken.has(id); i++) id = `${base}-${i}`;
  taken.add(id);
  return id;
}

function downloadLocation(baseUrl: string | null | undefined, location: string): string {
  if (!baseUrl || !/^(https?|ftp|file):\/\//.test(baseUrl)) return NOASSERTION;
  return `${baseUrl.replace(/\/+$/, '')}/${location.replace(/^\/+/, '')}`;
}

export function buildSbom(input: SbomInput): SpdxDocument {
  const locked = new Map<string, { pkg: LockedPackage; layer: SbomLayer }>();
  for (const layer of input.layers) for (const pkg of layer.packages) locked.set(pkg.nevra, { pkg, layer });
  const taken = new Set<string>([IMAGE_ID]);
  const packages: SpdxPackage[] = [
    {
      SPDXID: IMAGE_ID,
      name: input.recipe,
      packageFileName: input.image,
      supplier: NOASSERTION,
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      checksums: [{ algorithm: 'SHA256', checksumValue: input.imageSha256 }],
      licenseConcluded: NOASSERTION,
      licenseDeclared: NOASSERTION,
      copyrightText: NOASSERTION,
      primaryPackagePurpose: input.kind === 'initrd' ? 'OPERATING-SYSTEM' : 'ARCHIVE',
      comment: `strata ${input.kind} image built from recipe ${input.recipe}`,
    },
  ];
  const relationships: SpdxDocument['relationships'] = [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: IMAGE_ID }];

  for (const { nevra, layer } of [...input.packages].sort((a, b) => (a.nevra < b.nevra ? -1 : a.nevra > b.nevra ? 1 : 0))) {
    const entry = locked.get(nevra);
    const id = spdxId('SPDXRef-RPM', nevra, taken);
    if (!entry) {
      // Not in any lock of the chain (cannot happen for a build from locks): say what is known.
      const n = parseNevra(nevra);
      packages.push({
        SPDXID: id,
        name: n.name,
        versionInfo: `${n.epoch ? `${n.epoch}:` : ''}${n.version}-${n.release}`,
        supplier: NOASSERTION,
        downloadLocation: NOASSERTION,
        filesAnalyzed: false,
        licenseConcluded: NOASSERTION,
        licenseDeclared: NOASSERTION,
        copyrightText: NOASSERTION,
        externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: rpmPurl(input.purlNamespace, n) }],
        comment: `installed by layer ${layer}; in no lock of the chain`,
      });
    } else {
      const { pkg } = entry;
      const baseUrl = entry.layer.repositories.get(pkg.repository);
      packages.push({
        SPDXID: id,
        name: pkg.name,
        versionInfo: `${pkg.epoch ? `${pkg.epoch}:` : ''}${pkg.version}-${pkg.release}`,
        packageFileName: pkg.location.slice(pkg.location.lastIndexOf('/') + 1),
        supplier: NOASSERTION,
        downloadLocation: downloadLocation(baseUrl, pkg.location),
        filesAnalyzed: false,
        checksums: [{ algorithm: 'SHA256', checksumValue: pkg.sha256 }],
        licenseConcluded: NOASSERTION,
        licenseDeclared: NOASSERTION,
        copyrightText: NOASSERTION,
        sourceInfo: `repository "${pkg.repository}", ${pkg.location}`,
        externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: rpmPurl(input.purlNamespace, pkg) }],
        comment: `locked by ${entry.layer.layer} (packages.lock.json)${layer !== entry.layer.layer ? `, installed by layer ${layer}` : ''}`,
      });
    }
    relationships.push({ spdxElementId: IMAGE_ID, relationshipType: 'CONTAINS', relatedSpdxElement: id });
  }

  if (input.kernel) {
    const id = spdxId('SPDXRef-KernelModules', input.kernel.version, taken);
    packages.push({
      SPDXID: id,
      name: 'kernel-modules',
      versionInfo: input.kernel.version,
      packageFileName: input.kernel.image,
      supplier: NOASSERTION,
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      checksums: [{ algorithm: 'SHA256', checksumValue: input.kernel.sha256 }],
      licenseConcluded: NOASSERTION,
      licenseDeclared: NOASSERTION,
      copyrightText: NOASSERTION,
      comment:
        input.kernel.source === undefined || input.kernel.source === 'host'
          ? `kernel modules and firmware of ${input.kernel.version}, taken from the build host's /usr/lib/modules`
          : `kernel modules and firmware of ${input.kernel.version}, taken from the locked kernel package set: ${input.kernel.source.join(', ')}`,
    });
    relationships.push({ spdxElementId: IMAGE_ID, relationshipType: 'CONTAINS', relatedSpdxElement: id });
  }

  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${input.recipe} ${input.image}`,
    documentNamespace: `${NAMESPACE_BASE}/${encodeURIComponent(input.recipe)}-${input.imageSha256}`,
    creationInfo: {
      created: new Date(input.sourceDateEpoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      creators: [`Tool: ${input.tool}`],
      comment: 'Package list from the image manifest; versions, checksums and sources from the packages.lock.json files of the recipe chain.',
    },
    packages,
    relationships,
  };
}
