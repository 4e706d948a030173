import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BOOT_PROFILE_UNIT, bootProfileArchive, parseBootProfile } from './boot-profile';

describe('parseBootProfile', () => {
  const console = [
    '[    9.101] systemd[1]: Reached target initrd-switch-root.target.',
    '\u001b[0;32mstrata-boot-profile: begin since=1796000000\u001b[0m',
    'strata-boot-profile: /usr/lib/systemd/systemd',
    '[    9.230] random: crng init done',
    'strata-boot-profile: /usr/bin/bash',
    'strata-boot-profile: /usr/lib/systemd/systemd',
    'strata-boot-profile: end',
    '[    9.400] systemd[1]: Switching root.',
  ].join('\n');

  it('takes the listed paths between begin and end, relative to the image root, sorted and once each', () => {
    expect(parseBootProfile(console)).toEqual(['usr/bin/bash', 'usr/lib/systemd/systemd']);
  });

  it('gives nothing for a list that never ended (the console was cut, the unit failed)', () => {
    expect(parseBootProfile(console.replace('strata-boot-profile: end', ''))).toBeUndefined();
    expect(parseBootProfile('no profile here')).toBeUndefined();
  });
});

describe('bootProfileArchive', () => {
  it('is a newc archive GNU cpio unpacks: the unit, the drop-in that pulls it into initrd-switch-root.target, and a bash script', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-boot-profile-'));
    try {
      await execa('cpio', ['-idm', '--quiet'], { cwd: dir, input: await bootProfileArchive() });
      const unit = await readFile(join(dir, 'etc/systemd/system', BOOT_PROFILE_UNIT), 'utf8');
      expect(unit).toContain('Before=initrd-switch-root.target initrd-switch-root.service');
      expect(unit).toContain('ExecStart=/usr/bin/bash /usr/lib/strata/boot-profile');
      expect(await readFile(join(dir, 'etc/systemd/system/initrd-switch-root.target.d/strata-boot-profile.conf'), 'utf8')).toContain(`Wants=${BOOT_PROFILE_UNIT}`);
      await execa('bash', ['-n', join(dir, 'usr/lib/strata/boot-profile')]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
