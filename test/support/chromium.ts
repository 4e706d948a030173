import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** Where tests leave what a person would look at: screenshots of the reports. */
export const ARTIFACTS = join(__dirname, '../../dist/test-artifacts');

const CHROMIUM = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * A page as headless Chromium renders it (setup.sh installs chromium): a screenshot, kept in
 * dist/test-artifacts under `screenshotName`, scrolled to `fragment` if given, and the DOM after
 * the page's scripts ran.
 */
export async function chromiumView(file: string, screenshotName: string, fragment = ''): Promise<{ dom: string; screenshot: Buffer }> {
  await mkdir(ARTIFACTS, { recursive: true });
  const profile = await mkdtemp(join(tmpdir(), 'strata-chromium-'));
  try {
    const page = `file://${file}${fragment}`;
    const screenshotFile = join(ARTIFACTS, screenshotName);
    await rm(screenshotFile, { force: true });
    await execa('chromium', [...CHROMIUM, `--user-data-dir=${profile}`, `--screenshot=${screenshotFile}`, '--window-size=1200,800', page], { timeout: 60_000 });
    const dom = await execa('chromium', [...CHROMIUM, `--user-data-dir=${profile}`, '--dump-dom', page], { timeout: 60_000 });
    return { dom: dom.stdout, screenshot: await readFile(screenshotFile) };
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
