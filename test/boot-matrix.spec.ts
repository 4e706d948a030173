import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumView } from './support/chromium';
import { createScratchWorkspaceOnSharedCache, type CommandOutput, type ScratchWorkspace } from './support/scratch-workspace';

// The default profile booted on every storage stack a server boots from. Each stack is built in a
// QEMU guest by initrd-server's own lvm2, mdadm and cryptsetup (the host needs no device-mapper),
// and initrd-server must assemble it by itself: udev rules, systemd-cryptsetup, mdadm's last
// resort, systemd-hibernate-resume. Two boots run at a time, one per core.
describe('nx run initrd-server:boot-test:<variant>', () => {
  let ws: ScratchWorkspace;
  const runs = new Map<string, CommandOutput>();
  // Each variant's console.log, read as its run ends: the never-comes-up run boots the luks disks
  // again, into the same folder, while the other variants still boot.
  const consoles = new Map<string, string>();
  const consoleOf = async (variant: string, file = 'console.log') =>
    (file === 'console.log' ? consoles.get(variant) : undefined) ?? readFile(join(ws.root, 'dist/boot/initrd-server', variant, file), 'utf8');
  let neverUp: { run: CommandOutput; seconds: number };

  beforeAll(async () => {
    ws = await createScratchWorkspaceOnSharedCache();
    // The Debian-derived distribution follows the mirror: relock its recipes to what it serves today.
    const lock = await ws.nx(['run-many', '-t', 'lock', '--projects=initrd-base,initrd-server', '--output-style=static']);
    expect(lock.exitCode, lock.all).toBe(0);
    const build = await ws.nx(['run', 'initrd-server:build', '--output-style=static']);
    expect(build.exitCode, build.all).toBe(0);
    const variants = ['lvm', 'luks', 'luks-keyfile', 'luks-tpm2', 'raid1', 'raid1-degraded', 'lvm-luks-raid', 'btrfs', 'xfs', 'shutdown', 'usr', 'emergency', 'resume'];
    // 'profile' is the plain ext4 boot with --profile: which files the boot read.
    const queue = ['profile', ...variants];
    // Without the console's password agent nobody asks for the passphrase: systemd-cryptsetup waits.
    // The root device's job waits 300 s instead of 90 s, so it cannot give up and open the emergency
    // shell first when a loaded host has the guest print late. systemd 252 takes a device timeout only
    // from the mount's options (systemd.default_device_timeout_sec= came later), as the emergency
    // variant sets it. The guest idles while the console is quiet, so this run goes beside the two
    // boots, once luks has its disks.
    const bootNeverUp = async () => {
      const started = Date.now();
      const run = await ws.nx(['run', 'initrd-server:boot-test:luks', '--excludeTaskDependencies', '--output-style=static', '--append=rd.systemd.mask=systemd-ask-password-console.path systemd.show_status=0 rootflags=x-systemd.device-timeout=300s']);
      neverUp = { run, seconds: (Date.now() - started) / 1000 };
    };
    const beside: Promise<void>[] = [];
    const worker = async () => {
      for (let variant = queue.shift(); variant; variant = queue.shift()) {
        const target = variant === 'profile' ? ['initrd-server:boot-test', '--profile'] : [`initrd-server:boot-test:${variant}`];
        runs.set(variant, await ws.nx(['run', ...target, '--excludeTaskDependencies', '--output-style=static']));
        const console = await readFile(join(ws.root, 'dist/boot/initrd-server', variant === 'profile' ? '' : variant, 'console.log'), 'utf8').catch(() => undefined);
        if (console !== undefined) consoles.set(variant, console);
        if (variant === 'luks') beside.push(bootNeverUp());
      }
    };
    await Promise.all([worker(), worker()]);
    await Promise.all(beside);
  }, 1_500_000);
  afterAll(() => ws?.dispose());

  const passed = (variant: string) => {
    const run = runs.get(variant) as CommandOutput;
    expect(run.exitCode, run.all).toBe(0);
    return run.all;
  };

  it('--profile: the boot lists the initrd\'s files it read before switch-root, and the size report shows them per package and per file', async () => {
    const output = passed('profile');
    const manifest = JSON.parse(await readFile(join(ws.root, 'dist/images/initrd-server/manifest.json'), 'utf8'));
    const profile = JSON.parse(await readFile(join(ws.root, 'dist/boot/initrd-server/boot-profile.json'), 'utf8'));
    expect(profile).toMatchObject({ image: 'initrd-server.cpio.zst', sha256: manifest.sha256, variant: 'ext4' });
    // What an ext4 boot must have read: systemd, udev (udevadm is systemd-udevd), the ext4 module and the fsck it ran; what it never runs stays out.
    expect(profile.used).toEqual(expect.arrayContaining(['usr/lib/systemd/systemd', 'usr/bin/udevadm', 'usr/sbin/e2fsck', expect.stringMatching(/^usr\/lib\/modules\/[^/]+\/kernel\/fs\/ext4\/ext4\.ko/)]));
    expect(profile.used).not.toContain('usr/sbin/mkfs.btrfs');
    expect(profile.used).not.toContain('usr/sbin/mdadm');
    expect(output).toMatch(new RegExp(`boot profile \\(dist/boot/initrd-server/boot-profile\\.json\\): ${profile.used.length} files of the initrd read before switch-root`));
    const read = /^ {2}the boot read (\d+) of \d+ files \([\d.]+ [kM]?B of [\d.]+ MB\); the untouched [\d.]+ MB are about [\d.]+ MB of the compressed image$/m.exec(output);
    expect(read, output).not.toBeNull();
    // The image's files among them; the rest were written at boot (etc/machine-id) or are the profile's own unit.
    const imageFilesRead = Number(read?.[1]);
    expect(imageFilesRead).toBeGreaterThan(100);
    expect(imageFilesRead).toBeLessThan(profile.used.length);
    expect(output).toContain('Size report with the boot profile: dist/boot/initrd-server/size-report.html');

    const report = await ws.nx(['run', 'initrd-server:size-report', '--output-style=static']);
    expect(report.exitCode, report.all).toBe(0);
    expect(report.all).toMatch(/^Boot profile \(ext4\)$/m);
    expect(report.all).toContain('A guide, not a rule');

    const page = join(ws.root, 'dist/boot/initrd-server/size-report.html');
    const { dom, screenshot } = await chromiumView(page, 'size-report-boot-profile.png');
    expect(screenshot.subarray(1, 4).toString()).toBe('PNG');
    expect(dom).toContain(`data-boot-profile-files="${imageFilesRead}"`);
    // This boot's phases, drawn above the profile: one bar.
    expect(dom).toContain('<svg xmlns="http://www.w3.org/2000/svg" class="timeline" data-boots="1"');
    expect(dom).toMatch(/<title>initrd-server: root mounted \+[\d.]+ s<\/title>/);
    expect(dom).toMatch(/<code>usr\/lib\/systemd\/systemd<\/code> [\d.]+ [kM]?B read/);
    expect(dom).toMatch(/<code>usr\/sbin\/mkfs\.btrfs<\/code> [\d.]+ [kM]?B never read/);
  });

  it('lvm: lvm2\'s udev rules activate the volume group and the root is on its LV', async () => {
    expect(passed('lvm')).toMatch(/initrd-server: provisioned the lvm disks in [\d.]+ s \(dist\/boot\/initrd-server\/lvm\/disks\)/);
    const console = await consoleOf('lvm');
    expect(console).toMatch(/root=\/dev\/mapper\/strata-root/);
    expect(console).toMatch(/Started .*lvm-activate-strat/);
    expect(console).toMatch(/EXT4-fs \(dm-0\): mounted filesystem/);
  });

  it('luks: systemd asks for the passphrase on the console, the harness types it, the volume opens', async () => {
    expect(passed('luks')).toMatch(/initrd-server: booted to the root's marker in [\d.]+ s \(root: LUKS2 root/);
    const console = await consoleOf('luks');
    expect(console).toMatch(/Please enter passphrase for disk strata-crypt/);
    expect(console).toMatch(/systemd-tty-ask-password-agent\[\d+\]: Password query on \/dev\/ttyS0 finished successfully/);
    expect(console).toMatch(/Finished systemd-cryptsetup@strata\\x2dcrypt\.service - Cryptography Setup for strata-crypt/);
  });

  it('luks-keyfile: the key file named by rd.luks.key= opens the volume with no prompt', async () => {
    passed('luks-keyfile');
    const console = await consoleOf('luks-keyfile');
    expect(console).toMatch(/rd\.luks\.key=[0-9a-f-]+=\/etc\/cryptsetup-keys\.d\/strata-root\.key/);
    expect(console).not.toMatch(/Please enter passphrase/);
    expect(console).toMatch(/Finished systemd-cryptsetup@strata\\x2dcrypt\.service/);
  });

  it('luks-tpm2: the key sealed to the swtpm TPM2 by systemd-cryptenroll opens the volume with no prompt; another TPM leaves it locked', async () => {
    expect(passed('luks-tpm2')).toMatch(/with another TPM it stayed locked and asked for the passphrase/);
    const console = await consoleOf('luks-tpm2');
    expect(console).toMatch(/tpm_tis MSFT0101:00: 2\.0 TPM/);
    expect(console).toMatch(/Finished systemd-cryptsetup@strata\\x2dcrypt\.service/);
    expect(console).not.toMatch(/Please enter passphrase/);
    expect(await consoleOf('luks-tpm2', 'disks/provision.log')).toMatch(/New TPM2 token enrolled as key slot 1/);
    const other = await consoleOf('luks-tpm2', 'console-other-tpm.log');
    expect(other).toMatch(/systemd-cryptsetup\[\d+\]: Failed to load HMAC key in TPM/);
    expect(other).toMatch(/Please enter passphrase for disk strata-crypt/);
  });

  it('raid1: udev assembles the mirror from both disks', async () => {
    passed('raid1');
    const console = await consoleOf('raid1');
    expect(console).toMatch(/md\/raid1:md\d+: active with 2 out of 2 mirrors/);
    // udev wants mdadm's monitor for the array; in the initrd it is skipped, not failed.
    expect(console).toMatch(/mdmonitor\.service - MD array monitor was skipped because of an unmet condition check/);
    expect(console).not.toMatch(/Failed to start mdmonitor|mdmonitor\.service: (Main process exited|Failed)/);
  });

  it('raid1-degraded: with one disk gone, mdadm\'s last-resort timer starts the array degraded and the root boots', async () => {
    passed('raid1-degraded');
    const console = await consoleOf('raid1-degraded');
    expect(console).toMatch(/Starting mdadm-last-resort@md\d+\.service/);
    expect(console).toMatch(/md\/raid1:md\d+: active with 1 out of 2 mirrors/);
  });

  it('lvm-luks-raid: RAID1, then LUKS on it, then LVM on that, all assembled by the initrd', async () => {
    passed('lvm-luks-raid');
    const console = await consoleOf('lvm-luks-raid');
    const mirror = console.search(/md\/raid1:md\d+: active with 2 out of 2 mirrors/);
    // The LUKS volume is on the array, and the PV inside it: each layer appears after the one below.
    const unlocking = console.search(/Starting systemd-cryptsetup@strata\\x2dcrypt\.service/);
    const activated = console.search(/Started lvm-activate-strata\.service/);
    expect(mirror).toBeGreaterThan(0);
    expect(unlocking).toBeGreaterThan(mirror);
    expect(activated).toBeGreaterThan(unlocking);
    expect(console).toMatch(/Finished systemd-cryptsetup@strata\\x2dcrypt\.service/);
  });

  it('btrfs: the root is the subvolume named by rootflags=subvol=, made by the initrd\'s own btrfs-progs', async () => {
    passed('btrfs');
    expect(await consoleOf('btrfs', 'disks/provision.log')).not.toMatch(/STRATA-PROVISION-FAILED/);
    const console = await consoleOf('btrfs');
    expect(console).toMatch(/rootflags=subvol=strata-rootvol/);
    expect(console).toMatch(/BTRFS: device label strata-root devid 1 transid \d+ \/dev\/vda scanned by \(udev-worker\)/);
    // The top level holds only the subvolume: the marker comes from the init inside it.
    expect(console.search(/Mounted sysroot\.mount/)).toBeLessThan(console.search(/STRATA-ROOT-REACHED/));
  });

  it('xfs: the initrd mounts an XFS v5 root with the kernel\'s xfs module alone', async () => {
    passed('xfs');
    const console = await consoleOf('xfs');
    expect(console).toMatch(/XFS \(vda\): Mounting V5 Filesystem/);
    expect(console).toMatch(/XFS \(vda\): Ending clean mount/);
    expect(console.search(/Mounted sysroot\.mount/)).toBeLessThan(console.search(/STRATA-ROOT-REACHED/));
  });

  it('shutdown: at poweroff the root\'s systemd changes into the exit initrd, which takes LVM, LUKS and RAID apart in order', async () => {
    expect(passed('shutdown')).toMatch(/initrd-server: booted to the systemd root's marker, and powered off through the exit initrd, in [\d.]+ s/);
    const console = await consoleOf('shutdown');
    // The root runs systemd of its own: a second systemd starts after the switch, and runs the test unit.
    const switched = console.search(/systemd\[1\]: Switching root\./);
    expect(switched).toBeGreaterThan(0);
    expect(console.slice(switched)).toMatch(/systemd 252\S* running in system mode/);
    expect(console.slice(switched)).toMatch(/Starting strata-root-test\.service - strata boot test: report from the root/);
    expect(console).toMatch(/^STRATA-EXIT-INITRD-KEPT/m);
    const steps = [
      /strata-exit-initrd: taking apart the storage stacks before poweroff/,
      /strata-exit-initrd: unmounted the old root/,
      /strata-exit-initrd: lvm: +0 logical volume\(s\) in volume group "strata" now active/,
      /strata-exit-initrd: closed LUKS volume strata-crypt/,
      /strata-exit-initrd: mdadm: stopped \/dev\/md\d+/,
      /strata-exit-initrd: done; poweroff/,
    ].map((step) => console.search(step));
    expect(steps.every((at) => at > 0)).toBe(true);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(console.search(/STRATA-ROOT-REACHED/)).toBeLessThan(steps[0]);
  });

  it('usr: the initrd mounts the separate /usr partition named by mount.usr=, and the root reads its file', async () => {
    passed('usr');
    const console = await consoleOf('usr');
    expect(console).toMatch(/Mounted sysroot-usr\.mount - \/sysroot\/usr/);
    expect(console.indexOf('Mounted sysroot-usr.mount')).toBeLessThan(console.indexOf('STRATA-USR-SEEN'));
    expect(console).toMatch(/^STRATA-USR-SEEN STRATA-USR-PARTITION\r?$/m);
  });

  it('emergency: no root device, emergency mode within the timeout, and the console shell runs a command as root', async () => {
    expect(passed('emergency')).toMatch(/initrd-server: booted to the emergency shell, which answered in [\d.]+ s/);
    const console = await consoleOf('emergency');
    expect(console).toMatch(/Timed out waiting for device .*strata-missing/);
    expect(console).toMatch(/You are in emergency mode/);
    // The typed command and its answer: the answer is computed, so only a real shell prints it.
    expect(console).toContain('echo "STRATA-EMERGENCY-SHELL $((6 * 7)) $(id -u)"');
    // The typed line holds $((6 * 7)), never 42: the answer appears only when a shell computed it.
    // (Not anchored to a line: journald's console output may share the line.)
    expect(console).toContain('STRATA-EMERGENCY-SHELL 42 0');
  });

  it('resume: the first boot hibernates to swap, the second resumes the same running system', async () => {
    expect(passed('resume')).toMatch(/initrd-server: booted from hibernation back to the same running root in [\d.]+ s/);
    const first = await consoleOf('resume', 'console-hibernate.log');
    const second = await consoleOf('resume');
    const token = first.match(/STRATA-HIBERNATING ([0-9a-f-]{36})/)?.[1];
    expect(token).toBeDefined();
    expect(first).toMatch(/PM: hibernation: Wrote \d+ kbytes/);
    expect(second).toMatch(/PM: hibernation: Read \d+ kbytes/);
    expect(second).toContain(`STRATA-RESUMED ${token}`);
  });

  it('a stack that never comes up fails once its console goes quiet, naming the unit it waited for', () => {
    const { run, seconds } = neverUp;
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/initrd-server: boot FAILED after [\d.]+ s: the console has been quiet for 60 s; the console says: still waiting for systemd-cryptsetup@strata\\x2dcrypt\.service \(Cryptography Setup for strata-crypt\)/);
    // About 10 s of boot, then 60 s of silence: far less than the 180 s time limit.
    expect(seconds).toBeLessThan(150);
  });

  it('a variant the recipe cannot assemble is not offered, and a mistyped one names the choices', async () => {
    const run = await ws.nx(['run', 'initrd-server:boot-test', '--root=luks2', '--excludeTaskDependencies', '--output-style=static']);
    expect(run.exitCode).not.toBe(0);
    // Nx checks the option against the executor's schema, whose enum is the list of variants.
    expect(run.all).toMatch(/'luks2' should be one of ext4,lvm,luks,luks-keyfile,luks-tpm2,raid1,raid1-degraded,lvm-luks-raid,btrfs,xfs,nfs,nbd,iscsi,shutdown,usr,emergency,resume/);
    const show = await ws.nx(['show', 'project', 'initrd-busybox', '--json']);
    expect(Object.keys(JSON.parse(show.all.slice(show.all.indexOf('{'))).targets['boot-test'].configurations ?? {})).toEqual(['ext4']);
  }, 120_000);
});
