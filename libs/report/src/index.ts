// Telling the user what is in an image: the recipe after inheritance, the image's entries, where
// its bytes go, what changed between two builds, and an SPDX bill of materials.
export { wantsColor, makeColors, terminalColors, formatTable, formatBytes, formatBytesDelta, type Colors, type Cell } from './text';
export { summarizeRecipe, formatRecipeSummary, type RecipeSummary, type SummaryInput } from './recipe-summary';
export { modeString, formatMtime, summarizeSegments, formatListing, listingJson, type ImageListing, type SegmentSummary, type ArchiveSummary } from './inspect';
export { listImage, commandDecompressor, DECOMPRESSORS } from './read-image';
export { parseOwnership, ownershipFromTree, type Ownership } from './ownership';
export { buildSizeReport, formatSizeReport, kernelOwner, NOT_FROM_A_PACKAGE, type SizeReport, type SizeReportInput, type OwnerSize } from './size-report';
export { renderSizeReportHtml } from './size-report-html';
export { renderTimelineChart, type ChartedBoot } from './timeline-chart';
export { bootUsage, formatBootUsage, BOOT_USAGE_CAVEAT, type BootUsage, type PackageUsage } from './boot-usage';
export { squarify, inset, type Rect, type Placed } from './treemap';
export { diffPackages, diffFiles, diffBuilds, formatDiff, type BuildDiff, type DiffSide, type PackageChange } from './diff';
export { loadDiffSide } from './diff-input';
export { buildSbom, rpmPurl, type SbomInput, type SpdxDocument } from './sbom';
export { computeImageReports, writeImageReports, readSizeReport, sbomFileName, SIZE_REPORT_JSON, SIZE_REPORT_HTML, type ImageManifest } from './image-reports';
