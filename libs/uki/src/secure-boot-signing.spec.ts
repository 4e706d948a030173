import { describe, expect, it } from 'vitest';
import { frozenTime, secureBootKeysFromEnvironment } from './secure-boot-signing';

describe('frozenTime', () => {
  it('writes an epoch as the UTC time faketime freezes at', () => {
    expect(frozenTime(0)).toBe('1970-01-01 00:00:00');
    expect(frozenTime(1_700_000_000)).toBe('2023-11-14 22:13:20');
  });
});

describe('secureBootKeysFromEnvironment', () => {
  it('names the one variable that is missing, and a file that cannot be read', async () => {
    await expect(secureBootKeysFromEnvironment('r.yaml', { STRATA_UKI_KEY: '/k' })).rejects.toThrow(/r\.yaml signs its UKI \(uki\.sign: true\), but STRATA_UKI_CERT is not set/);
    await expect(secureBootKeysFromEnvironment('r.yaml', { STRATA_UKI_KEY: '/nonexistent/k', STRATA_UKI_CERT: '/nonexistent/c' })).rejects.toThrow(/STRATA_UKI_KEY names \/nonexistent\/k, which cannot be read/);
  });
});
