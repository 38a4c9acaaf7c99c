/**
 * Headless Chromium for tests, from the npm package @sparticuz/chromium (the browser ships inside the
 * package: nothing to install with apt, nothing downloaded), driven by playwright-core, which downloads
 * no browser. `executablePath()` unpacks the browser to the temporary directory on first use.
 */
import chromiumPackage from '@sparticuz/chromium';
import { chromium, type Browser } from 'playwright-core';

export async function launchBrowser(): Promise<Browser> {
  // No WebGL/GPU in tests: nothing the pages draw needs it, and it spares unpacking the SwiftShader libraries.
  chromiumPackage.setGraphicsMode = false;
  return chromium.launch({ executablePath: await chromiumPackage.executablePath(), headless: true, args: chromiumPackage.args });
}
