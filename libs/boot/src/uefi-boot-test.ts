import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { readPeHeaders, verifyEfiSignature, withoutSignature } from '@strata/uki';
import { bootAndWatch, type BootResult } from './qemu';
import { makeRootDisk, ROOT_MARKER } from './root-disk';
import { ROOT_LABEL } from './root-variants';
import { enrolledSecureBootVars, makeEsp, OVMF, requireUefiTools } from './uefi';

export type UefiFirmwareName = 'uefi' | 'uefi-secure-boot';

export interface UefiBootTestPlan {
  label: string;
  /** The UKI to boot (dist/uki/<name>/<name>.efi). */
  uki: string;
  firmware: UefiFirmwareName;
  /** Secure Boot: the certificate the UKI is signed with; the firmware's db holds only it. */
  certificate?: string;
  /** dist/boot/<name>/<firmware>. */
  workDir: string;
  timeoutSeconds: number;
  workspaceRoot: string;
}

/** The firmware's refusal of a boot option, as OVMF's boot manager prints it. */
export const REFUSED = /BdsDxe: failed to load Boot\d+ .*: (Access Denied|Security Violation)/;

/** What the console of a Secure Boot boot must show: the stub saw Secure Boot on, and so did the kernel. */
export const SECURE_BOOT_PROOFS = [/EFI stub: UEFI Secure Boot is enabled/, /secureboot: Secure boot enabled/];

/** A copy of the UKI with one byte of the kernel flipped: the signature no longer matches. */
export async function tamperedCopy(uki: string, output: string): Promise<void> {
  const bytes = await readFile(uki);
  const linux = readPeHeaders(bytes).sections.find((section) => section.name === '.linux');
  if (!linux) throw new Error(`${uki} has no .linux section`);
  bytes[linux.rawOffset + Math.floor(linux.rawSize / 2)] ^= 0x01;
  await writeFile(output, bytes);
}

/**
 * Boot the UKI the way firmware does: OVMF loads \EFI\BOOT\BOOTX64.EFI from an ESP disk, and
 * the UKI's own command line finds the test root on the second disk. With Secure Boot, the
 * variable store trusts only the UKI's certificate, and two more boots must be refused: the
 * same UKI without its signature, and the signed one with a byte of its kernel changed.
 */
export async function runUefiBootTest(plan: UefiBootTestPlan): Promise<boolean> {
  await requireUefiTools();
  const work = plan.workDir;
  await mkdir(work, { recursive: true });
  const root = join(work, 'root.img');
  await makeRootDisk(root, { label: ROOT_LABEL });
  const secureBoot = plan.firmware === 'uefi-secure-boot';
  let vars: string = OVMF.emptyVars;
  if (secureBoot) {
    if (!plan.certificate) throw new Error('a Secure Boot test needs the certificate the UKI is signed with: set STRATA_UKI_CERT');
    const verified = await verifyEfiSignature(plan.uki, plan.certificate);
    if (!verified.ok) throw new Error(`${relative(plan.workspaceRoot, plan.uki)} is not signed by ${plan.certificate} (sbverify: ${verified.output}); set uki.sign in the recipe and rebuild it`);
    const enrolled = await enrolledSecureBootVars(join(work, 'firmware'), plan.certificate);
    if (enrolled.enrolled) console.log(`${plan.label}: enrolled a PK, a KEK and db = ${plan.certificate} with systemd-boot (${relative(plan.workspaceRoot, enrolled.vars)})`);
    vars = enrolled.vars;
  }
  const boot = async (uki: string, name: string, expectRefusal: boolean): Promise<BootResult & { log: string }> => {
    const esp = join(work, `esp-${name}.img`);
    await makeEsp(esp, [['EFI/BOOT/BOOTX64.EFI', uki]]);
    // A private copy: the firmware writes its boot entries into the store.
    const runVars = join(work, `vars-${name}.fd`);
    await copyFile(vars, runVars);
    const log = join(work, name === 'signed' ? 'console.log' : `console-${name}.log`);
    const result = await bootAndWatch({
      firmware: { code: secureBoot ? OVMF.secureBootCode : OVMF.code, vars: runVars, secureBoot },
      disks: [esp, { file: root, snapshot: true }],
      append: [],
      marker: ROOT_MARKER,
      failurePatterns: [REFUSED, /BdsDxe: No bootable option or device was found/, /Kernel panic - not syncing/, /Failed to switch root/, /You are in emergency mode/],
      timeoutMs: (expectRefusal ? 60 : plan.timeoutSeconds) * 1000,
      quietTimeoutMs: 60_000,
      consoleLog: log,
    });
    return { ...result, log };
  };
  const signed = await boot(plan.uki, 'signed', false);
  const at = (result: { log: string }) => relative(plan.workspaceRoot, result.log);
  if (!signed.ok) {
    console.error(`${plan.label}: UEFI${secureBoot ? ' Secure Boot' : ''} boot FAILED after ${signed.seconds.toFixed(1)} s: ${signed.reason}\n--- last console lines (full log: ${at(signed)}) ---\n${signed.console.split('\n').slice(-25).join('\n')}`);
    return false;
  }
  if (!secureBoot) {
    console.log(`${plan.label}: booted the UKI under UEFI (OVMF) to the root's marker in ${signed.seconds.toFixed(1)} s (console: ${at(signed)})`);
    return true;
  }
  const unproved = SECURE_BOOT_PROOFS.find((proof) => !proof.test(signed.console));
  if (unproved) {
    console.error(`${plan.label}: the UKI booted, but not under Secure Boot: no console line matches ${unproved} (console: ${at(signed)})`);
    return false;
  }
  const refusals: string[] = [];
  for (const [name, make] of [
    ['unsigned', (out: string) => withoutSignature(plan.uki, out)],
    ['tampered', (out: string) => tamperedCopy(plan.uki, out)],
  ] as const) {
    const copy = join(work, `${name}.efi`);
    await make(copy);
    const result = await boot(copy, name, true);
    const refusal = result.console.split('\n').find((line) => REFUSED.test(line))?.trim();
    if (result.ok || !refusal) {
      console.error(`${plan.label}: the ${name} UKI was not refused by the firmware: ${result.ok ? 'it booted to the root' : result.reason} (console: ${at(result)})`);
      return false;
    }
    refusals.push(`the ${name} UKI ("${refusal.replace(/^.*BdsDxe: /, '')}", ${at(result)})`);
  }
  console.log(`${plan.label}: booted the signed UKI with Secure Boot enforcing to the root's marker in ${signed.seconds.toFixed(1)} s (console: ${at(signed)}); the firmware refused ${refusals.join(' and ')}`);
  return true;
}
