export * from './atomic-output';
export * from './assemble-initrd';
export * from './assemble-extension';
export * from './build-image';
export * from './build-modules';
export * from './glob';
export * from './tree';
export * from './rpmdb';
