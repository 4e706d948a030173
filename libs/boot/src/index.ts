export * from './qemu';
export * from './root-disk';
export * from './vmlinux';
export * from './provision-guest';
export * from './root-variants';
export * from './console-diagnosis';
export * from './boot-test';
