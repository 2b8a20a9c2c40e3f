/**
 * Checks a packaged .vsix the way the two galleries will see it, offline: the manifest as Open VSX's CLI
 * (`ovsx`) reads and validates it before an upload (name, publisher, version, licence, the registry's size
 * limit) and as `vsce` validates it; that the package holds only what the installed extension reads; and
 * that every link in the README and CHANGELOG pages works on a gallery page (no relative links left, and
 * each link into the repository names a file that is committed).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readZip, readVSIXPackage as vsceReadVsix } from '@vscode/vsce/out/zip';
import { DEFAULT_PUBLISH_SIZE, isLicenseOk, validateManifest } from 'ovsx';
import { readVSIXPackage as ovsxReadVsix } from 'ovsx/lib/zip';
import { builtinModelDir, trainingStages } from '../../src/models/builtinModel';

export interface VsixEntry {
  path: string;
  bytes: number;
}

export interface VsixReport {
  vsixBytes: number;
  entries: VsixEntry[];
  problems: string[];
}

interface Manifest {
  main?: string;
  icon?: string;
  repository?: { url?: string } | string;
  contributes?: { walkthroughs?: { steps?: { media?: Record<string, unknown> }[] }[] };
}

/** Files VS Code reads from any extension, by their name inside the .vsix. */
const MANIFEST_FILES = ['extension.vsixmanifest', '[content_types].xml', 'extension/package.json', 'extension/readme.md', 'extension/changelog.md', 'extension/license.txt'];

/** The bundles the extension loads, the localisation files, and everything under media/models (the built-in models). */
const RUNTIME_FILES = [/^extension\/dist\/(extension|worker|webview)\.js$/, /^extension\/dist\/[^/]+\.wasm$/, /^extension\/package\.nls(\.[a-z-]+)?\.json$/, /^extension\/l10n\/bundle\.l10n\.[a-z-]+\.json$/, /^extension\/media\/panel\.css$/, /^extension\/media\/models\//];

const REQUIRED = ['extension/dist/extension.js', 'extension/dist/worker.js', 'extension/dist/webview.js', 'extension/dist/tfjs-backend-wasm-simd.wasm', 'extension/dist/tfjs-backend-wasm.wasm'];

/** The built-in model's files, by their name inside the .vsix: the model itself and every training checkpoint. */
function builtinModelFiles(repoRoot: string): string[] {
  const dir = builtinModelDir(repoRoot);
  const rel = path.relative(repoRoot, dir).split(path.sep).join('/');
  return ['config.json', 'tokenizer.json', 'model.safetensors', ...trainingStages(dir).map((s) => s.file)].map((f) => `extension/${rel}/${path.posix.normalize(f)}`.toLowerCase());
}

/** Files the manifest itself names: icon, walkthrough media. */
function referencedFiles(manifest: Manifest): string[] {
  const files = [manifest.main, manifest.icon];
  for (const walkthrough of manifest.contributes?.walkthroughs ?? []) {
    for (const step of walkthrough.steps ?? []) {
      for (const value of Object.values(step.media ?? {})) {
        if (typeof value === 'string') files.push(value);
        else if (value && typeof value === 'object') files.push(...Object.values(value).filter((v): v is string => typeof v === 'string'));
      }
    }
  }
  return files.filter((f): f is string => !!f && !/^(\$\(|%)/.test(f)).map((f) => 'extension/' + path.posix.normalize(f).toLowerCase());
}

/** `https://github.com/owner/repo` from the manifest's repository field, when it is on GitHub. */
export function githubRepository(manifest: Manifest): string | undefined {
  const url = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
  const m = url && /^(?:git\+)?https:\/\/github\.com\/([\w.-]+)\/([\w.-]+?)(?:\.git)?$/.exec(url);
  return m ? `https://github.com/${m[1]}/${m[2]}` : undefined;
}

/** Targets of Markdown links and images, and of HTML src/href attributes. */
export function pageLinks(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const links: string[] = [];
  for (const m of withoutCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push(m[1]);
  for (const m of withoutCode.matchAll(/\b(?:src|href)\s*=\s*"([^"]+)"/g)) links.push(m[1]);
  return links;
}

/** Problems with the links of one gallery page. `committed` holds the repository's tracked files. */
export function linkProblems(page: string, markdown: string, repository: string | undefined, committed: Set<string>): string[] {
  const problems: string[] = [];
  for (const link of pageLinks(markdown)) {
    if (link.startsWith('#') || /^mailto:/.test(link)) continue;
    if (!/^[a-z][a-z0-9+.-]*:/i.test(link)) {
      problems.push(`${page}: the relative link "${link}" does not resolve on a gallery page (vsce rewrites relative links only when package.json names the repository)`);
      continue;
    }
    const inRepo = repository && link.startsWith(repository + '/') ? /^\/(?:blob|raw)\/[^/]+\/([^#?]+)/.exec(link.slice(repository.length)) : null;
    if (inRepo && !committed.has(decodeURIComponent(inRepo[1]))) problems.push(`${page}: ${link} names ${inRepo[1]}, which is not a committed file`);
  }
  return problems;
}

function committedFiles(repoRoot: string): Set<string> {
  try {
    return new Set(execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean));
  } catch {
    return new Set();
  }
}

export async function checkVsix(vsixPath: string, repoRoot: string): Promise<VsixReport> {
  const problems: string[] = [];
  const vsixBytes = fs.statSync(vsixPath).size;

  // Open VSX's CLI: what `ovsx publish x.vsix` reads and checks before it uploads.
  const ovsxManifest = await ovsxReadVsix(vsixPath);
  try {
    validateManifest(ovsxManifest);
  } catch (err) {
    problems.push(`ovsx: ${(err as Error).message}`);
  }
  if (!(await isLicenseOk(repoRoot, ovsxManifest))) problems.push('ovsx: Open VSX accepts only licensed extensions; package.json has no licence');
  if (!/^[\w\-+$~]+$/.test(ovsxManifest.publisher) || !/^[\w\-+$~]+$/.test(ovsxManifest.name)) problems.push('ovsx: the publisher (Open VSX namespace) and name may hold only letters, digits and - + $ ~ _');
  if (vsixBytes > DEFAULT_PUBLISH_SIZE) problems.push(`ovsx: the .vsix has ${vsixBytes} bytes, over the ${DEFAULT_PUBLISH_SIZE} ovsx uploads`);

  // vsce: the same validation `vsce package` and `vsce publish --packagePath` apply to a finished .vsix.
  let manifest: Manifest = {};
  try {
    manifest = (await vsceReadVsix(vsixPath)).manifest as Manifest;
  } catch (err) {
    problems.push(`vsce: ${(err as Error).message}`);
  }

  const files = await readZip(vsixPath, () => true);
  const entries = [...files].map(([name, data]) => ({ path: name, bytes: data.length })).sort((a, b) => b.bytes - a.bytes);
  const names = new Set(files.keys());
  const referenced = new Set(referencedFiles(manifest));
  for (const entry of entries) {
    const known = MANIFEST_FILES.includes(entry.path) || referenced.has(entry.path) || RUNTIME_FILES.some((re) => re.test(entry.path));
    if (!known) problems.push(`${entry.path} is in the .vsix but nothing in the extension reads it (add it to .vscodeignore, or to scripts/packaging/checkVsix.ts if it is needed)`);
  }
  for (const needed of [...REQUIRED, ...builtinModelFiles(repoRoot), ...referenced]) if (!names.has(needed)) problems.push(`${needed} is missing from the .vsix`);

  if (manifest.icon) {
    const icon = files.get('extension/' + manifest.icon.toLowerCase());
    const png = icon && icon.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    if (!icon || !png || icon.readUInt32BE(16) !== 128 || icon.readUInt32BE(20) !== 128) problems.push(`the icon ${manifest.icon} is not a 128×128 PNG`);
  } else {
    problems.push('package.json names no icon');
  }

  const repository = githubRepository(manifest);
  const committed = committedFiles(repoRoot);
  for (const page of ['extension/readme.md', 'extension/changelog.md']) {
    const text = files.get(page);
    if (text) problems.push(...linkProblems(page, text.toString('utf8'), repository, committed));
  }
  return { vsixBytes, entries, problems };
}

/** Bytes per file or folder (up to four levels deep: each built-in model apart), largest first: where the size goes. */
export function sizeByFolder(entries: VsixEntry[]): [string, number][] {
  const sums = new Map<string, number>();
  for (const e of entries) {
    const parts = e.path.split('/');
    const key = parts.length > 4 ? parts.slice(0, 4).join('/') + '/' : parts.length === 4 && parts[1] === 'media' ? parts.slice(0, 3).join('/') + '/' : e.path;
    sums.set(key, (sums.get(key) ?? 0) + e.bytes);
  }
  return [...sums].sort((a, b) => b[1] - a[1]);
}
