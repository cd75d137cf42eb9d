// Load every HTML page of a release in headless Chromium (Debian's /usr/bin/chromium), from the
// file system with no network, and check what a reader sees: no console errors, no failed
// requests; every <text> of every SVG lies inside its SVG and overlaps no other text of it;
// every <details> section opens when its summary is clicked and then shows its content, and
// prints open; no
// moderate, serious or critical axe-core violation (run with every section open). Saves a
// full-page screenshot of each page, with its sections open.
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
  // Printed, every section is open (closed ones too): their content takes space on paper.
  await page.emulateMedia({ media: 'print' });
  const printedClosed = await page.evaluate(() => [...document.querySelectorAll('details')]
    .map((d, i) => [d, i]).filter(([d]) => !d.open)
    .filter(([d]) => [...d.children].filter((c) => c.tagName !== 'SUMMARY')
      .some((c) => c.textContent.trim() !== '' && c.getBoundingClientRect().height === 0))
    .map(([, i]) => i));
  await page.emulateMedia({ media: 'screen' });
  // Every section opens: click each closed summary, then its content must be rendered.
  const sections = await page.locator('details').count();
  const unopened = [];
  for (let i = 0; i < sections; i++) {
    const details = page.locator('details').nth(i);
    if (!(await details.evaluate((d) => d.open))) {
      await details.locator(':scope > summary').click();
    }
    const shown = await details.evaluate((d) => d.open && [...d.children].filter((c) => c.tagName !== 'SUMMARY')
      .every((c) => c.getBoundingClientRect().height > 0 || c.textContent.trim() === ''));
    if (!shown) unopened.push(i);
  }
  // Every SVG text box inside its SVG, and no two text boxes of one SVG overlapping (half a pixel
  // of tolerance for anti-aliasing).
  const textProblems = await page.evaluate(() => {
    const problems = [];
    document.querySelectorAll('svg').forEach((svg, s) => {
      const frame = svg.getBoundingClientRect();
      const boxes = [...svg.querySelectorAll('text')].map((t) => ({ text: t.textContent, box: t.getBoundingClientRect() }));
      for (const { text, box } of boxes) {
        if (box.left < frame.left - 0.5 || box.right > frame.right + 0.5 || box.top < frame.top - 0.5 || box.bottom > frame.bottom + 0.5) {
          problems.push(`svg ${svg.id || s}: "${text}" is outside the chart`);
        }
      }
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i].box, b = boxes[j].box;
          const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (w > 0.5 && h > 0.5) problems.push(`svg ${svg.id || s}: "${boxes[i].text}" overlaps "${boxes[j].text}"`);
        }
      }
    });
    return problems;
  });
  const texts = await page.locator('svg text').count();
  // The page's CSP forbids scripts, so axe is evaluated through the DevTools protocol instead.
  const axe = await page.evaluate(`${axeSource}; axe.run(document, { resultTypes: ['violations'] })`);
  const serious = axe.violations.filter((v) => ['moderate', 'serious', 'critical'].includes(v.impact))
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  const name = relative(releaseDir, file).replaceAll('/', '__').replace(/\.html$/, '.png');
  await page.screenshot({ path: join(shotDir, name), fullPage: true });
  results.push({
    page: relative(releaseDir, file), screenshot: join(shotDir, name), consoleErrors, failedRequests, serious,
    violations: axe.violations.length, sections, unopened, printedClosed, svgTexts: texts, textProblems,
  });
  await page.close();
}
await browser.close();
const ok = results.every((r) => r.consoleErrors.length === 0 && r.failedRequests.length === 0 && r.serious.length === 0
  && r.unopened.length === 0 && r.printedClosed.length === 0 && r.textProblems.length === 0);
console.log(JSON.stringify({ ok, pages: results }, null, 2));
process.exit(ok ? 0 : 1);
