import { describe, expect, it } from 'vitest';
import { allocateAccounts, parseGroup, parsePasswd, parseSystemGroups, parseSysusers, renderAccounts } from './accounts';

const PASSWD = 'root:*:0:0:root:/root:/bin/bash\ndaemon:*:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnobody:*:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n';
const GROUP = 'root:*:0:\ntty:*:5:\nshadow:*:42:\nusers:*:100:\nnogroup:*:65534:\n';

describe('sysusers.d', () => {
  it('parses u, g, m lines with quoted GECOS and "-" fields, ignoring ranges and comments', () => {
    expect(
      parseSysusers('# c\ng systemd-journal - -\nu systemd-network - "systemd Network Management"\nu fixed 123:tty - /var/x /bin/sh\nm fixed shadow\nr - 500-900\n'),
    ).toEqual([
      { type: 'g', name: 'systemd-journal', id: '' },
      { type: 'u', name: 'systemd-network', id: '', gecos: 'systemd Network Management', home: '', shell: '' },
      { type: 'u', name: 'fixed', id: '123:tty', gecos: '', home: '/var/x', shell: '/bin/sh' },
      { type: 'm', name: 'fixed', group: 'shadow' },
    ]);
    expect(() => parseSysusers('x foo\n')).toThrow(/unknown sysusers type/);
  });
});

describe('addgroup in postinst', () => {
  it('finds literal system groups', () => {
    const script = '    addgroup --quiet --system input\n    addgroup --system kvm || true\naddgroup --quiet notsystem\naddgroup --system "$VAR"\n';
    expect(parseSystemGroups(script)).toEqual(['input', 'kvm']);
  });
});

describe('allocation', () => {
  const base = { users: parsePasswd(PASSWD), groups: parseGroup(GROUP) };

  it('keeps the fixed ids, counts sysusers ids down from 999 and addgroup ids up from 100', () => {
    const sysusers = parseSysusers('g systemd-journal - -\nu systemd-network - "systemd Network Management"\nu tty-user -:tty\ng root 0\n');
    const accounts = allocateAccounts(base, sysusers, ['input', 'kvm', 'tty']);
    const group = (name: string) => accounts.groups.find((g) => g.name === name)!.gid;
    const user = (name: string) => accounts.users.find((u) => u.name === name)!;
    expect(group('root')).toBe(0);
    expect(group('systemd-journal')).toBe(999);
    expect(group('systemd-network')).toBe(998);
    expect(user('systemd-network')).toEqual({ name: 'systemd-network', uid: 998, gid: 998, gecos: 'systemd Network Management', home: '/', shell: '/usr/sbin/nologin' });
    expect(user('tty-user').gid).toBe(5);
    expect(user('tty-user').uid).toBe(997);
    expect(group('input')).toBe(101);
    expect(group('kvm')).toBe(102);
    expect(accounts.groups.filter((g) => g.name === 'tty')).toHaveLength(1);
  });

  it('is a function of its inputs', () => {
    const sysusers = parseSysusers('g a - -\nu b -\n');
    expect(allocateAccounts(base, sysusers, ['c'])).toEqual(allocateAccounts(base, sysusers, ['c']));
  });

  it('renders passwd/group with "x" and locked shadow entries', () => {
    const files = renderAccounts(allocateAccounts(base, parseSysusers('m daemon tty\n'), []), 19000);
    expect(files.passwd.split('\n')[0]).toBe('root:x:0:0:root:/root:/bin/bash');
    expect(files.group).toContain('tty:x:5:daemon\n');
    expect(files.shadow.split('\n')[0]).toBe('root:*:19000:0:99999:7:::');
    expect(files.gshadow).toContain('tty:*::daemon\n');
  });
});
