export * from './qemu';
export * from './root-disk';
export * from './vmlinux';
export * from './lvm-root-disk';
export * from './boot-test';
