// Pure: the extension-release file, the layer diff, option lists of the image tools.
export * from './extension-release';
export * from './layer-diff';
export { indexTree, indexDigest, describeEntry, compareBytewise, isUnder, type TreeEntry, type TreeIndex, type EntryType, type IndexOptions } from './tree-index';

// Tools: image formats (mkfs.erofs, mksquashfs, cp, cpio), dm-verity and signing.
export * from './formats';
export * from './verity';

// The extension side of building a layer (base index, release file, diff, copy).
export { copyPaths } from './copy-paths';
export { ExtensionLayer, extensionReleaseFor, type ExtensionLayerPlan, type ExtensionLayerSummary } from './extension-layer';
