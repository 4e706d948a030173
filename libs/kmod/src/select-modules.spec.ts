import { describe, expect, it } from 'vitest';
import { parseModuleIndex } from './module-index';
import { selectModules } from './select-modules';

const index = parseModuleIndex({
  dep: [
    'kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko',
    'kernel/lib/crc16.ko:',
    'kernel/fs/mbcache.ko:',
    'kernel/fs/jbd2/jbd2.ko:',
    'kernel/crypto/crc32c_generic.ko:',
    'kernel/arch/x86/crypto/crc32c-intel.ko:',
    'kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko',
    'kernel/drivers/virtio/virtio.ko:',
    'kernel/drivers/virtio/virtio_ring.ko:',
    'kernel/drivers/gpu/drm/drm.ko:',
  ].join('\n'),
  softdep: 'softdep ext4 pre: crypto-crc32c\n',
  alias: 'alias crypto-crc32c crc32c_generic\nalias crypto-crc32c crc32c_intel\nalias crc32c crc32c_generic\n',
});

describe('selectModules', () => {
  it('closes over modules.dep and modules.softdep through aliases (ext4 needs crc32c)', () => {
    expect(selectModules(index, ['kernel/fs/ext4/**']).modules).toEqual([
      'kernel/arch/x86/crypto/crc32c-intel.ko',
      'kernel/crypto/crc32c_generic.ko',
      'kernel/fs/ext4/ext4.ko',
      'kernel/fs/jbd2/jbd2.ko',
      'kernel/fs/mbcache.ko',
      'kernel/lib/crc16.ko',
    ]);
  });

  it('applies rules in order: a later exclude removes what an earlier glob added', () => {
    const { modules } = selectModules(index, ['kernel/drivers/**', '-kernel/drivers/gpu/**']);
    expect(modules).toContain('kernel/drivers/block/virtio_blk.ko');
    expect(modules).not.toContain('kernel/drivers/gpu/drm/drm.ko');
  });

  it('reports an exclude rule that dependencies undid: the rule, the modules it lost, and who pulled them back', () => {
    // virtio_blk needs virtio and virtio_ring: excluding the virtio core leaves them in.
    const { modules, undoneExcludes } = selectModules(index, ['kernel/drivers/**', '-kernel/drivers/virtio/**', '-kernel/drivers/gpu/**']);
    expect(modules).toContain('kernel/drivers/virtio/virtio.ko');
    expect(undoneExcludes).toEqual([{ rule: '-kernel/drivers/virtio/**', modules: ['virtio', 'virtio_ring'], pulledBackBy: ['virtio_blk'] }]);
  });

  it('does not report an exclude that a later rule took back on purpose', () => {
    expect(selectModules(index, ['kernel/drivers/**', '-kernel/drivers/virtio/**', 'kernel/drivers/virtio/**']).undoneExcludes).toEqual([]);
    expect(selectModules(index, ['default', '-default']).undoneExcludes).toEqual([]);
  });

  it('matches bare module names, treating - and _ alike', () => {
    expect(selectModules(index, ['crc32c-generic']).modules).toEqual(['kernel/crypto/crc32c_generic.ko']);
  });

  it('reads globs as removeFiles does: classes, ** across folders and none, leading slashes ignored', () => {
    expect(selectModules(index, ['kernel/drivers/virtio/virtio_[r]*']).modules).toEqual(['kernel/drivers/virtio/virtio_ring.ko']);
    expect(selectModules(index, ['kernel/**/crc16']).modules).toEqual(['kernel/lib/crc16.ko']);
    expect(selectModules(index, ['kernel/lib/**/crc16']).modules).toEqual(['kernel/lib/crc16.ko']);
    expect(selectModules(index, ['/kernel/fs/mbcache']).modules).toEqual(['kernel/fs/mbcache.ko']);
  });

  it('keeps the range of a class in a bare name while "-" and "_" are alike elsewhere', () => {
    expect(selectModules(index, ['crc32c-[a-h]*']).modules).toEqual(['kernel/crypto/crc32c_generic.ko']);
    expect(selectModules(index, ['virtio[-_]ring']).modules).toEqual(['kernel/drivers/virtio/virtio_ring.ko']);
  });

  it('expands "default" and reports only the user\'s own rules that match nothing', () => {
    const { modules, unmatched } = selectModules(index, ['default', 'virtio_blkk']);
    expect(modules).toContain('kernel/drivers/block/virtio_blk.ko');
    expect(modules).toContain('kernel/fs/ext4/ext4.ko');
    expect(modules).not.toContain('kernel/drivers/gpu/drm/drm.ko');
    expect(unmatched).toEqual(['virtio_blkk']);
  });
});
