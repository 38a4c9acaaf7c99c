/**
 * Headless Chromium for tests, from the npm package @sparticuz/chromium (the browser ships inside the
 * package: nothing to install with apt, nothing downloaded), driven by playwright-core, which downloads
 * no browser. `executablePath()` unpacks the browser to the temporary directory on first use.
 */
import chromiumPackage from '@sparticuz/chromium';
import { chromium, type Browser } from 'playwright-core';

/**
 * The package's flags are made for one page per Lambda invocation. Two of them are dropped: a browser in
 * one process dies when its first context closes (tests open a context per case), and tests must see
 * the same-origin rules a user's browser enforces.
 */
const DROPPED_ARGS = new Set(['--single-process', '--disable-web-security']);

export async function launchBrowser(): Promise<Browser> {
  // No WebGL/GPU in tests: nothing the pages draw needs it, and it spares unpacking the SwiftShader libraries.
  chromiumPackage.setGraphicsMode = false;
  const args = chromiumPackage.args.filter((arg) => !DROPPED_ARGS.has(arg));
  return chromium.launch({ executablePath: await chromiumPackage.executablePath(), headless: true, args });
}
