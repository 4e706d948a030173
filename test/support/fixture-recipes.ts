/** The recipes on the fixture distribution (fixture-repo): a base chain of initrds and the extensions on them. */
export const FIXTURE_RECIPES = ['confext-editor', 'initrd-busybox', 'initrd-busybox-debug', 'initrd-busybox-rescue', 'initrd-busybox-storage', 'sysext-debug', 'sysext-storage'];
