// Load every HTML page of a release in headless Chromium (Debian's /usr/bin/chromium), from the
// file system with no network, and check: no console errors, no failed requests, no serious or
// critical (or moderate) axe-core violations. Saves a full-page screenshot of each page.
//
// Usage: node check.mjs RELEASE_DIR SCREENSHOT_DIR
// Prints one JSON object; exits 1 if any page fails.
import { chromium } from 'playwright-core';
import { readdirSync, statSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';

const [releaseDir, shotDir] = process.argv.slice(2).map((p) => resolve(p));
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

function pages(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return pages(path);
    return name.endsWith('.html') ? [path] : [];
  });
}

mkdirSync(shotDir, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const results = [];
for (const file of pages(releaseDir)) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const consoleErrors = [];
  const failedRequests = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('requestfailed', (r) => failedRequests.push(r.url()));
  page.on('request', (r) => { if (!r.url().startsWith('file://')) failedRequests.push(`external: ${r.url()}`); });
  await page.goto('file://' + file, { waitUntil: 'load' });
  // The page's CSP forbids scripts, so axe is evaluated through the DevTools protocol instead.
  const axe = await page.evaluate(`${axeSource}; axe.run(document, { resultTypes: ['violations'] })`);
  const serious = axe.violations.filter((v) => ['moderate', 'serious', 'critical'].includes(v.impact))
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  const name = relative(releaseDir, file).replaceAll('/', '__').replace(/\.html$/, '.png');
  await page.screenshot({ path: join(shotDir, name), fullPage: true });
  results.push({ page: relative(releaseDir, file), consoleErrors, failedRequests, serious, violations: axe.violations.length });
  await page.close();
}
await browser.close();
const ok = results.every((r) => r.consoleErrors.length === 0 && r.failedRequests.length === 0 && r.serious.length === 0);
console.log(JSON.stringify({ ok, pages: results }, null, 2));
process.exit(ok ? 0 : 1);
