export * from './build-image';
export * from './build-modules';
export * from './assemble-initrd';
export * from './assemble-extension';
export * from './size-budget';
