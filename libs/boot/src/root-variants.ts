import type { BootVariantName } from '@strata/plan';
import type { ConsoleResponse } from './qemu';

/**
 * How each storage stack of @strata/plan's BOOT_VARIANTS is built and proved. Each is pure data: the disks a
 * provisioning guest builds the stack on (with the initrd's own lvm2, mdadm and cryptsetup, so the
 * host needs no loop device or device-mapper), the kernel command line that asks the initrd to
 * assemble it, what the harness types on the console, and the console lines that prove the stack
 * was really assembled.
 */
/** A blank disk the provisioning guest writes (vda, vdb, ... in order). */
export interface ProvisionedDisk {
  name: string;
  sizeMiB: number;
  /**
   * A host command that formats the blank image file before the guest runs (the image path is
   * appended), for a file system whose tools the initrd does not carry. mkfs works on a plain file:
   * no loop device. The first word is the host tool setup installs.
   */
  hostFormat?: string[];
}

/** Console text that must appear, and what it proves (for the failure message). */
export interface ConsoleProof {
  pattern: RegExp;
  proves: string;
}

export interface RootVariant {
  name: BootVariantName;
  /**
   * Blank disks, and the bash steps that build the stack on them in the provisioning guest. The
   * ext4 root image is attached after them; the steps find it as $ROOT_IMAGE and copy it onto
   * the stack's top device.
   */
  provision?: { disks: ProvisionedDisk[]; steps: string[] };
  /** The provisioned disks the boot attaches, by name (default: all of them). */
  bootDisks?: string[];
  /** A swap disk (mkswap on the host) attached after the root disks. */
  swap?: boolean;
  /** A /usr disk (USR_LABEL, holding USR_MARKER_FILE) attached after the root disks. */
  usrDisk?: boolean;
  /** A TPM2 (swtpm) for the provisioning guest and every boot, its state kept with the disks. */
  tpm?: boolean;
  /** A file packed into an archive appended to the initrd (a key file, say). */
  initrdFile?: { path: string; content: string; mode: number };
  append: string[];
  responses: ConsoleResponse[];
  proofs: ConsoleProof[];
  /** What the boot must reach instead of the root's marker (the emergency shell's answer). */
  marker?: string;
  /** The console text that ends the boot as failed, instead of the default. */
  failurePatterns?: RegExp[];
  /** What the test root's /sbin/init does instead of printing the marker and powering off. */
  rootInit?: 'hibernate-then-marker' | 'show-usr' | 'show-network' | 'systemd-then-poweroff';
  /**
   * The root is served over the network instead of attached as a disk: by NFS-Ganesha (the root's
   * files) or nbd-server (the root image), on 127.0.0.1, forwarded to the guest's
   * GUEST_SERVER_ADDRESS:guestPort through QEMU's restricted user network.
   */
  network?: { server: 'nfs' | 'nbd' | 'iscsi'; guestPort: number };
}

/** The test volume's passphrase: typed at systemd's prompt, or read from the key file. */
export const LUKS_PASSPHRASE = 'strata-test-passphrase';
/** Fixed, so the kernel command line can name the volume (rd.luks.name=<uuid>=...). */
export const LUKS_UUID = '5e1f3a0c-4c1b-4d2e-9b8f-0d6a7c2e9f11';
export const LUKS_NAME = 'strata-crypt';
/** The guest's address for the forwarded servers of the network roots (QEMU's user network). */
export const GUEST_SERVER_ADDRESS = '10.0.2.100';
/** The NFS export's pseudo path, and the NBD export's name. */
export const NFS_EXPORT = '/strata-root';
export const NBD_EXPORT = 'strata-root';
/** The iSCSI target's name, and the initiator name the guest logs in with. */
export const ISCSI_TARGET = 'iqn.2026-12.org.strata:root';
export const ISCSI_INITIATOR = 'iqn.2026-12.org.strata:initrd';
/** The guest NIC's MAC, and the name ifname= gives the interface with it. */
export const GUEST_MAC = '52:54:00:5e:00:53';
export const NET_INTERFACE = 'strata0';
/** The btrfs subvolume the root is in (rootflags=subvol=). */
export const BTRFS_SUBVOLUME = 'strata-rootvol';
export const LVM_VG = 'strata';
export const LVM_LV = 'root';
export const LVM_ROOT_DEVICE = `/dev/mapper/${LVM_VG}-${LVM_LV}`;
export const ROOT_LABEL = 'strata-root';
export const SWAP_LABEL = 'strata-swap';
export const USR_LABEL = 'strata-usr';
/** On the /usr disk; the root prints its content, which only a mounted /usr can give it. */
export const USR_MARKER_FILE = 'lib/strata-usr/marker';
export const USR_MARKER = 'STRATA-USR-PARTITION';
export const LUKS_KEY_FILE = '/etc/cryptsetup-keys.d/strata-root.key';
/** What the harness asks the emergency shell to compute; only a shell that ran it prints the answer. */
export const EMERGENCY_COMMAND = 'echo "STRATA-EMERGENCY-SHELL $((6 * 7)) $(id -u)"';
export const EMERGENCY_ANSWER = 'STRATA-EMERGENCY-SHELL 42 0';
export const HIBERNATED_MARKER = 'STRATA-HIBERNATING';
export const RESUMED_MARKER = 'STRATA-RESUMED';

/** No udev in the provisioning guest: LVM makes its own device nodes and scans /dev itself. */
const LVM_CONFIG = 'activation { udev_sync = 0 udev_rules = 0 } devices { obtain_device_list_from_udev = 0 use_devicesfile = 0 }';

// Steps of the provisioning guest's script, one storage layer each. $TOP is the device the next
// layer goes on; the last step copies the root image onto it.
const raid1On = (a: string, b: string): string[] => [
  'modprobe raid1 || fail "modprobe raid1"',
  // --assume-clean: the mirrors start identical (both blank), so there is no resync to wait for.
  `mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 --assume-clean --name=strata-root --homehost=any ${a} ${b} || fail "mdadm --create"`,
  'TOP=/dev/md0',
];
const luksOnTop = (): string[] => [
  'modprobe dm_crypt || fail "modprobe dm_crypt"',
  'mkdir -p /run/cryptsetup',
  // PBKDF2 at its minimum count: argon2's memory cost would dominate a test boot under TCG.
  `printf %s '${LUKS_PASSPHRASE}' | cryptsetup luksFormat --batch-mode --type luks2 --uuid ${LUKS_UUID} --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file - "$TOP" || fail "cryptsetup luksFormat"`,
  `printf %s '${LUKS_PASSPHRASE}' | cryptsetup open --key-file - "$TOP" ${LUKS_NAME} || fail "cryptsetup open"`,
  `TOP=/dev/mapper/${LUKS_NAME}`,
];
const lvmOnTop = (): string[] => [
  `cfg='${LVM_CONFIG}'`,
  'lvm pvcreate --config "$cfg" --yes -ff "$TOP" || fail pvcreate',
  `lvm vgcreate --config "$cfg" --yes ${LVM_VG} "$TOP" || fail vgcreate`,
  `lvm lvcreate --config "$cfg" --yes -Zn -n ${LVM_LV} -l 100%FREE ${LVM_VG} || fail lvcreate`,
  `TOP=${LVM_ROOT_DEVICE}`,
];
/** A copy of the root image's files onto the file system mounted at $1, for roots that are not ext4. */
const copyRootFiles = (target: string): string[] => [
  'modprobe ext4 || fail "modprobe ext4"',
  'mkdir -p /mnt/source',
  'mount -t ext4 -o ro "$ROOT_IMAGE" /mnt/source || fail "mount the root image"',
  `cp -a /mnt/source/. ${target}/ || fail "copy the root files"`,
  'umount /mnt/source || fail "umount the root image"',
];
const copyRootImage = (): string[] => ['[ -b "$TOP" ] || fail "no $TOP"', 'dd if="$ROOT_IMAGE" of="$TOP" bs=1M conv=fsync status=none || fail dd'];
const closeLvm = (): string[] => [`lvm vgchange --config "$cfg" -an ${LVM_VG} || fail vgchange`];
const closeLuks = (): string[] => [`cryptsetup close ${LUKS_NAME} || fail "cryptsetup close"`];
const stopRaid = (): string[] => ['mdadm --stop /dev/md0 || fail "mdadm --stop"'];

const passphrasePrompt: ConsoleResponse = { prompt: /Please enter passphrase for disk/, send: `${LUKS_PASSPHRASE}\n` };
const unlocked: ConsoleProof = { pattern: new RegExp(`Finished .*Cryptography Setup for ${LUKS_NAME}`), proves: `systemd-cryptsetup unlocked ${LUKS_NAME}` };
const luksArgs = [`rd.luks.name=${LUKS_UUID}=${LUKS_NAME}`];
const mirrors = (active: number): ConsoleProof => ({
  pattern: new RegExp(`md/raid1:md\\d+: active with ${active} out of 2 mirrors`),
  proves: `the kernel's raid1 runs the array with ${active} of its 2 disks`,
});
const lvmActivated: ConsoleProof = { pattern: /Started .*lvm-activate-strata|lvm-activate-strata/, proves: "lvm2's udev rules activated the volume group" };

export const ROOT_VARIANTS: Record<BootVariantName, RootVariant> = {
  ext4: {
    name: 'ext4',
    append: [`root=LABEL=${ROOT_LABEL}`],
    responses: [],
    proofs: [],
  },
  lvm: {
    name: 'lvm',
    provision: { disks: [{ name: 'pv', sizeMiB: 64 }], steps: ['TOP=/dev/vda', ...lvmOnTop(), ...copyRootImage(), ...closeLvm()] },
    append: [`root=${LVM_ROOT_DEVICE}`],
    responses: [],
    proofs: [lvmActivated],
  },
  luks: {
    name: 'luks',
    provision: { disks: [{ name: 'luks', sizeMiB: 64 }], steps: ['TOP=/dev/vda', ...luksOnTop(), ...copyRootImage(), ...closeLuks()] },
    append: [...luksArgs, `root=LABEL=${ROOT_LABEL}`],
    responses: [passphrasePrompt],
    proofs: [{ pattern: /Please enter passphrase for disk/, proves: 'systemd asked for the passphrase on the console' }, unlocked],
  },
  'luks-keyfile': {
    name: 'luks-keyfile',
    provision: { disks: [{ name: 'luks', sizeMiB: 64 }], steps: ['TOP=/dev/vda', ...luksOnTop(), ...copyRootImage(), ...closeLuks()] },
    initrdFile: { path: LUKS_KEY_FILE, content: LUKS_PASSPHRASE, mode: 0o100400 },
    append: [...luksArgs, `rd.luks.key=${LUKS_UUID}=${LUKS_KEY_FILE}`, `root=LABEL=${ROOT_LABEL}`],
    responses: [],
    // Without the key file systemd-cryptsetup would prompt: fail on its reason rather than wait.
    failurePatterns: [/Failed to activate, key file .* missing/, /Failed to activate with key file/, /Kernel panic - not syncing/],
    proofs: [unlocked],
  },
  'luks-tpm2': {
    name: 'luks-tpm2',
    tpm: true,
    provision: {
      disks: [{ name: 'luks', sizeMiB: 64 }],
      steps: [
        'TOP=/dev/vda',
        ...luksOnTop(),
        ...copyRootImage(),
        ...closeLuks(),
        // The kernel's TIS driver is built in: wait for the resource manager's device.
        'for i in $(seq 100); do [ -c /dev/tpmrm0 ] && break; sleep 0.1; done',
        '[ -c /dev/tpmrm0 ] || fail "no /dev/tpmrm0: the guest has no TPM"',
        // Sealed to this TPM and no PCR: the firmware here is SeaBIOS, which measures nothing of interest.
        `PASSWORD='${LUKS_PASSPHRASE}' systemd-cryptenroll --tpm2-device=/dev/tpmrm0 --tpm2-pcrs= /dev/vda || fail "systemd-cryptenroll --tpm2-device"`,
      ],
    },
    append: [...luksArgs, 'rd.luks.options=tpm2-device=auto', `root=LABEL=${ROOT_LABEL}`],
    responses: [],
    failurePatterns: [/Kernel panic - not syncing/, /systemd-cryptsetup\[\d+\]: .*(TPM2 support not available|Failed to unseal|TPM2 operation failed).*/],
    // And the harness boots the same disk with another, empty TPM: it must ask for the passphrase.
    proofs: [
      { pattern: /tpm_tis MSFT0101:00: 2\.0 TPM/, proves: 'the kernel found the TPM2' },
      unlocked,
      { pattern: /^(?![\s\S]*Please enter passphrase)/, proves: 'the volume opened without asking for a passphrase' },
    ],
  },
  raid1: {
    name: 'raid1',
    provision: { disks: [{ name: 'mirror-a', sizeMiB: 48 }, { name: 'mirror-b', sizeMiB: 48 }], steps: [...raid1On('/dev/vda', '/dev/vdb'), ...copyRootImage(), ...stopRaid()] },
    append: [`root=LABEL=${ROOT_LABEL}`],
    responses: [],
    proofs: [mirrors(2)],
  },
  'raid1-degraded': {
    name: 'raid1-degraded',
    provision: { disks: [{ name: 'mirror-a', sizeMiB: 48 }, { name: 'mirror-b', sizeMiB: 48 }], steps: [...raid1On('/dev/vda', '/dev/vdb'), ...copyRootImage(), ...stopRaid()] },
    bootDisks: ['mirror-a'],
    append: [`root=LABEL=${ROOT_LABEL}`],
    responses: [],
    proofs: [mirrors(1)],
  },
  'lvm-luks-raid': {
    name: 'lvm-luks-raid',
    provision: {
      disks: [{ name: 'mirror-a', sizeMiB: 80 }, { name: 'mirror-b', sizeMiB: 80 }],
      steps: [...raid1On('/dev/vda', '/dev/vdb'), ...luksOnTop(), ...lvmOnTop(), ...copyRootImage(), ...closeLvm(), ...closeLuks(), ...stopRaid()],
    },
    append: [...luksArgs, `root=${LVM_ROOT_DEVICE}`],
    responses: [passphrasePrompt],
    proofs: [mirrors(2), unlocked, lvmActivated],
  },
  btrfs: {
    name: 'btrfs',
    provision: {
      // 128 MiB: mkfs.btrfs's minimum for separate data and metadata.
      disks: [{ name: 'btrfs', sizeMiB: 128 }],
      steps: [
        'modprobe btrfs || fail "modprobe btrfs"',
        `mkfs.btrfs --quiet --force --label ${ROOT_LABEL} /dev/vda || fail mkfs.btrfs`,
        'mkdir -p /mnt/top',
        'mount -t btrfs /dev/vda /mnt/top || fail "mount the btrfs"',
        // The root goes in a subvolume; the top level holds nothing but it, so no /sbin/init.
        `btrfs subvolume create /mnt/top/${BTRFS_SUBVOLUME} || fail "btrfs subvolume create"`,
        ...copyRootFiles(`/mnt/top/${BTRFS_SUBVOLUME}`),
        'umount /mnt/top || fail "umount the btrfs"',
      ],
    },
    append: [`root=LABEL=${ROOT_LABEL}`, 'rootfstype=btrfs', `rootflags=subvol=${BTRFS_SUBVOLUME}`],
    responses: [],
    proofs: [
      { pattern: new RegExp(`BTRFS: device label ${ROOT_LABEL} devid 1`), proves: 'the kernel scanned the btrfs file system' },
      { pattern: /Mounted sysroot\.mount/, proves: 'systemd mounted the root' },
    ],
  },
  xfs: {
    name: 'xfs',
    provision: {
      // 300 MiB: mkfs.xfs's minimum; the image file stays sparse.
      disks: [{ name: 'xfs', sizeMiB: 300, hostFormat: ['mkfs.xfs', '-q', '-f', '-L', ROOT_LABEL] }],
      steps: [
        'modprobe xfs || fail "modprobe xfs"',
        'mkdir -p /mnt/root',
        'mount -t xfs /dev/vda /mnt/root || fail "mount the xfs"',
        ...copyRootFiles('/mnt/root'),
        'umount /mnt/root || fail "umount the xfs"',
      ],
    },
    append: [`root=LABEL=${ROOT_LABEL}`],
    responses: [],
    proofs: [
      { pattern: /XFS \(vda\): Mounting V5 Filesystem/, proves: 'the kernel mounted the root as XFS (v5)' },
      { pattern: /Mounted sysroot\.mount/, proves: 'systemd mounted the root' },
    ],
  },
  nfs: {
    name: 'nfs',
    network: { server: 'nfs', guestPort: 2049 },
    rootInit: 'show-network',
    append: ['ip=dhcp', `root=nfs4:${GUEST_SERVER_ADDRESS}:${NFS_EXPORT}:vers=4.2`],
    responses: [],
    failurePatterns: [/Kernel panic - not syncing/, /strata-netroot-generator: .*/, /Failed to mount sysroot\.mount.*/],
    proofs: [
      // (No gateway: QEMU's DHCP offers none on a restricted network.)
      { pattern: /: DHCPv4 address 10\.0\.2\.\d+\/24 acquired from 10\.0\.2\.2/, proves: 'systemd-networkd got an address by DHCP (from ip=dhcp)' },
      { pattern: new RegExp(`Mounted sysroot\\.mount - Root file system from NFS ${GUEST_SERVER_ADDRESS.replace(/\./g, '\\.')}:${NFS_EXPORT}`), proves: "strata-netroot-generator's NFS mount of the root" },
      { pattern: new RegExp(`^STRATA-ROOT-MOUNT ${GUEST_SERVER_ADDRESS.replace(/\./g, '\\.')}:${NFS_EXPORT} / nfs4 ro,.*vers=4\\.2`, 'm'), proves: 'the running root is the NFSv4.2 export' },
    ],
  },
  nbd: {
    name: 'nbd',
    network: { server: 'nbd', guestPort: 10809 },
    rootInit: 'show-network',
    append: [
      // The interface named by its MAC (ifname=), a static address on a /28 that does not hold
      // the server, so only the rd.route= route reaches it; and a name server for the record.
      `ifname=${NET_INTERFACE}:${GUEST_MAC}`,
      `ip=10.0.2.15:::255.255.255.240:strata-guest:${NET_INTERFACE}:none`,
      `rd.route=10.0.2.96/28:10.0.2.2:${NET_INTERFACE}`,
      'nameserver=10.0.2.3',
      `netroot=nbd:${GUEST_SERVER_ADDRESS}:10809/${NBD_EXPORT}`,
      `root=LABEL=${ROOT_LABEL}`,
    ],
    responses: [],
    failurePatterns: [/Kernel panic - not syncing/, /strata-netroot-generator: .*/, /Failed to start nbd@nbd0\.service.*/],
    proofs: [
      { pattern: new RegExp(`${NET_INTERFACE}: Link UP`), proves: `udev named the interface ${NET_INTERFACE} from ifname=` },
      { pattern: /Finished nbd@nbd0\.service/, proves: 'nbd-client attached the export as /dev/nbd0' },
      { pattern: /EXT4-fs \(nbd0\): mounted filesystem/, proves: 'the root is the ext4 file system on /dev/nbd0' },
      { pattern: /^STRATA-NETWORK-ROUTE 10\.0\.2\.96\/28 via 10\.0\.2\.2 dev strata0/m, proves: 'the route from rd.route= is in place' },
      { pattern: /^STRATA-NETWORK-CONFIG DNS=10\.0\.2\.3/m, proves: "systemd-network-generator took nameserver= into the interface's configuration" },
    ],
  },
  iscsi: {
    name: 'iscsi',
    network: { server: 'iscsi', guestPort: 3260 },
    rootInit: 'show-network',
    append: [
      'ip=dhcp',
      `rd.iscsi.initiator=${ISCSI_INITIATOR}`,
      // dracut's netroot=iscsi:<server>:<protocol>:<port>:<lun>:<target>
      `netroot=iscsi:${GUEST_SERVER_ADDRESS}::3260:1:${ISCSI_TARGET}`,
      `root=LABEL=${ROOT_LABEL}`,
    ],
    responses: [],
    failurePatterns: [/Kernel panic - not syncing/, /strata-netroot-generator: .*/, /Failed to start strata-iscsi-root\.service.*/],
    proofs: [
      { pattern: /Finished strata-iscsi-root\.service/, proves: `iscsistart logged in to ${ISCSI_TARGET}` },
      { pattern: /scsi \d+:0:0:1: Direct-Access +IET +VIRTUAL-DISK/, proves: "the kernel found tgt's LUN 1 as a SCSI disk" },
      { pattern: /EXT4-fs \(sd[a-z]\): mounted filesystem/, proves: 'the root is the ext4 file system on the iSCSI disk' },
    ],
  },
  shutdown: {
    name: 'shutdown',
    // The lvm-luks-raid stack, large enough for a root that runs systemd (the initrd's userspace).
    provision: {
      disks: [{ name: 'mirror-a', sizeMiB: 224 }, { name: 'mirror-b', sizeMiB: 224 }],
      steps: [...raid1On('/dev/vda', '/dev/vdb'), ...luksOnTop(), ...lvmOnTop(), ...copyRootImage(), ...closeLvm(), ...closeLuks(), ...stopRaid()],
    },
    rootInit: 'systemd-then-poweroff',
    append: [...luksArgs, `root=${LVM_ROOT_DEVICE}`],
    responses: [passphrasePrompt],
    proofs: [
      { pattern: /strata-exit-initrd: kept \d+ files in \/run\/initramfs for the shutdown/, proves: 'the initrd kept its exit initrd in /run/initramfs' },
      { pattern: /^STRATA-EXIT-INITRD-KEPT/m, proves: "the root's systemd found /run/initramfs/shutdown" },
      { pattern: /strata-exit-initrd: taking apart the storage stacks before poweroff/, proves: 'systemd-shutdown changed into the exit initrd' },
      { pattern: /strata-exit-initrd: unmounted the old root/, proves: 'the exit initrd unmounted the old root' },
      { pattern: new RegExp(`strata-exit-initrd: lvm: +0 logical volume\\(s\\) in volume group "${LVM_VG}" now active`), proves: 'the exit initrd deactivated the volume group' },
      { pattern: new RegExp(`strata-exit-initrd: closed LUKS volume ${LUKS_NAME}`), proves: 'the exit initrd closed the LUKS volume' },
      { pattern: /strata-exit-initrd: mdadm: stopped \/dev\/md\d+/, proves: 'the exit initrd stopped the RAID1' },
      { pattern: /strata-exit-initrd: done; poweroff/, proves: 'the exit initrd powered the machine off' },
    ],
  },
  usr: {
    name: 'usr',
    usrDisk: true,
    append: [`root=LABEL=${ROOT_LABEL}`, `mount.usr=LABEL=${USR_LABEL}`, 'mount.usrfstype=ext4'],
    responses: [],
    rootInit: 'show-usr',
    proofs: [
      { pattern: /Mounted sysroot-usr\.mount/, proves: 'the initrd mounted /sysroot/usr from mount.usr=' },
      { pattern: new RegExp(`^STRATA-USR-SEEN ${USR_MARKER}`, 'm'), proves: 'the root found the /usr partition\'s file in /usr' },
    ],
  },
  emergency: {
    name: 'emergency',
    append: [
      'root=LABEL=strata-missing',
      // Wait 15 s for the root device, not systemd's default 90 s.
      'rootflags=x-systemd.device-timeout=15s',
      // Deliberately without authentication (the root account in the initrd is locked).
      'systemd.setenv=SYSTEMD_SULOGIN_FORCE=1',
    ],
    // sulogin asks for Enter first (the account is locked, SYSTEMD_SULOGIN_FORCE lets it through),
    // then root's shell prompts.
    responses: [
      // The whole prompt, then a pause: a key that arrives before sulogin reads is flushed away.
      { prompt: /Press Enter for maintenance[\s\S]*continue\): $/, send: '\n', delayMs: 1000 },
      { prompt: /[#$] $/, send: `${EMERGENCY_COMMAND}\n` },
    ],
    marker: EMERGENCY_ANSWER,
    failurePatterns: [/Kernel panic - not syncing/, /Cannot open access to console, the root account is locked/, /Failed to switch root/],
    proofs: [
      { pattern: /Timed out waiting for device .*strata-missing/, proves: 'systemd gave up on the root device after its timeout' },
      { pattern: /You are in emergency mode/, proves: 'the initrd entered emergency mode' },
    ],
  },
  resume: {
    name: 'resume',
    swap: true,
    append: [`root=LABEL=${ROOT_LABEL}`, `resume=LABEL=${SWAP_LABEL}`],
    responses: [],
    rootInit: 'hibernate-then-marker',
    proofs: [],
  },
};

/** The provisioning guest's /init: bring up the disks, run the variant's steps, power off. */
export function provisionScript(variant: RootVariant, doneMarker: string, failedMarker: string): string {
  const provision = variant.provision;
  if (!provision) throw new Error(`${variant.name} needs no provisioning`);
  const devices = [...provision.disks.map((_, i) => `/dev/vd${String.fromCharCode(97 + i)}`), `/dev/vd${String.fromCharCode(97 + provision.disks.length)}`];
  const rootImage = devices[devices.length - 1];
  const present = devices.map((device) => `[ -b ${device} ]`).join(' && ');
  return [
    '#!/usr/bin/bash',
    'export PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    `fail() { echo "${failedMarker}: $*"; echo o > /proc/sysrq-trigger; sleep 10; exit 1; }`,
    'mount -t proc proc /proc',
    'mount -t sysfs sysfs /sys',
    'mount -t devtmpfs devtmpfs /dev',
    'mkdir -p /run /tmp && mount -t tmpfs tmpfs /run',
    'for module in virtio_pci virtio_blk dm_mod; do modprobe "$module" || fail "modprobe $module"; done',
    `for i in $(seq 100); do ${present} && break; sleep 0.1; done`,
    `${present} || fail "missing disks: wanted ${devices.join(' ')}"`,
    `ROOT_IMAGE=${rootImage}`,
    ...provision.steps,
    'sync',
    ...devices.slice(0, -1).map((device) => `blockdev --flushbufs ${device}`),
    `echo "${doneMarker} $(cat /proc/uptime)"`,
    'echo o > /proc/sysrq-trigger',
    'sleep 10',
    '',
  ].join('\n');
}
