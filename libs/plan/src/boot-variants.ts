/**
 * The storage stacks `boot-test` can put the test root on, as the build graph sees them: each is a
 * configuration of an initrd's boot-test target (`nx run <initrd>:boot-test:<variant>`, the same
 * as `--root=<variant>`), offered when the initrd's packages hold what the stack needs. How each
 * stack is built and proved is @strata/boot's ROOT_VARIANTS.
 */
/** What turns root=nfs4:... and netroot=nbd:... into units: initrd-network ships it in files/. */
export const NETROOT_GENERATOR = '/usr/lib/systemd/system-generators/strata-netroot-generator';

/** What keeps the exit initrd in /run/initramfs for the shutdown: initrd-server ships it in files/. */
export const EXIT_INITRD = '/usr/lib/strata/keep-exit-initrd';

/**
 * Each variant's needs are package names the initrd's chain must ask for, and paths (starting
 * with /) a recipe of the chain must ship in its files/.
 */
export const BOOT_VARIANTS = {
  ext4: { summary: 'ext4 on the whole disk (root=LABEL=strata-root)', peers: 'dracut TEST-10', needs: [] },
  lvm: { summary: 'ext4 on the LV strata/root of a PV filling the disk', peers: 'dracut TEST-17, mkosi-initrd lvm', needs: ['systemd', 'lvm2'] },
  luks: { summary: "LUKS2 root, unlocked with the passphrase typed at systemd's prompt on the console", peers: 'systemd TEST-24, mkosi-initrd luks', needs: ['systemd', 'cryptsetup-bin'] },
  'luks-keyfile': { summary: 'LUKS2 root, unlocked with a key file named on the kernel command line (rd.luks.key=)', peers: 'systemd TEST-24', needs: ['systemd', 'cryptsetup-bin'] },
  'luks-tpm2': { summary: 'LUKS2 bound to a TPM2 (swtpm) with systemd-cryptenroll: unlocked with no prompt', peers: 'systemd TEST-70', needs: ['systemd', 'cryptsetup-bin', 'libtss2-esys-3.0.2-0', 'libtss2-tcti-device0'] },
  raid1: { summary: 'ext4 on an mdadm RAID1 of two disks', peers: 'dracut TEST-20, systemd TEST-64', needs: ['systemd', 'mdadm'] },
  'raid1-degraded': { summary: 'the RAID1 with one of its two disks missing, started degraded', peers: 'systemd TEST-64', needs: ['systemd', 'mdadm'] },
  'lvm-luks-raid': { summary: 'LVM on LUKS2 on an mdadm RAID1, passphrase typed at the prompt', peers: 'dracut TEST-26, mkosi-initrd luks_lvm (without RAID)', needs: ['systemd', 'lvm2', 'mdadm', 'cryptsetup-bin'] },
  btrfs: { summary: 'btrfs root in a subvolume (rootflags=subvol=); the top level holds no init', peers: 'dracut TEST-11', needs: ['systemd', 'btrfs-progs'] },
  xfs: { summary: 'XFS (v5) root, formatted by the host\'s mkfs.xfs', peers: 'dracut TEST-44', needs: ['systemd', 'util-linux'] },
  nfs: { summary: 'the root exported by NFS-Ganesha on 127.0.0.1, mounted over NFSv4.2 after DHCP (ip=dhcp, root=nfs4:)', peers: 'dracut TEST-60', needs: ['systemd', NETROOT_GENERATOR] },
  nbd: { summary: 'the root on an nbd-server export (netroot=nbd:), with a static ip=, ifname=, rd.route= and nameserver=', peers: 'dracut TEST-72', needs: ['systemd', 'nbd-client', NETROOT_GENERATOR] },
  iscsi: { summary: 'the root on a LUN of a tgt iSCSI target on 127.0.0.1, logged in by iscsistart after DHCP (netroot=iscsi:)', peers: 'dracut TEST-70', needs: ['systemd', 'open-iscsi', NETROOT_GENERATOR] },
  shutdown: { summary: 'LVM on LUKS2 on RAID1 under a root that runs systemd; at poweroff systemd-shutdown changes into the exit initrd, which takes the stacks apart', peers: 'systemd TEST-08, dracut TEST-26', needs: ['systemd', 'lvm2', 'mdadm', 'cryptsetup-bin', EXIT_INITRD] },
  usr: { summary: 'a separate /usr partition, mounted by the initrd from mount.usr= before the switch', peers: 'dracut TEST-41', needs: ['systemd'] },
  emergency: { summary: 'the root never appears: emergency mode within 15 s, a shell on the console answers a command', peers: "the talk's demo", needs: ['systemd', 'util-linux'] },
  resume: { summary: 'hibernate to a swap disk; resume= brings the same running system back', peers: "the talk's demo", needs: ['systemd'] },
} as const satisfies Record<string, { summary: string; peers: string; needs: readonly string[] }>;

export type BootVariantName = keyof typeof BOOT_VARIANTS;
export const BOOT_VARIANT_NAMES = Object.keys(BOOT_VARIANTS) as BootVariantName[];

export function isBootVariant(name: string): name is BootVariantName {
  return Object.hasOwn(BOOT_VARIANTS, name);
}

/** The name a package request asks for ("lvm2", "lvm2 >= 2.03", "lvm2-2.03.16-2.x86_64" all name lvm2 closely enough). */
function requestedName(spec: string): string {
  return spec.trim().split(/[\s<>=]/)[0];
}

/**
 * The variants an initrd can boot: those whose packages its chain asks for and whose files it
 * ships (ext4 always). ships(path) says whether a recipe of the chain has files/<path>.
 */
export function bootVariantsOf(recipe: { packages: readonly { spec: string }[] }, ships: (path: string) => boolean = () => false): BootVariantName[] {
  const asked = new Set(recipe.packages.map((request) => requestedName(request.spec)));
  const has = (need: string) => (need.startsWith('/') ? ships(need) : asked.has(need));
  return BOOT_VARIANT_NAMES.filter((name) => BOOT_VARIANTS[name].needs.every(has));
}
