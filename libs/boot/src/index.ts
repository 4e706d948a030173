export * from './qemu';
export * from './root-disk';
export * from './vmlinux';
