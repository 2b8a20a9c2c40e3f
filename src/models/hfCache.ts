/**
 * Finds models in the user's Hugging Face cache without touching the network.
 *
 * The cache is the one huggingface_hub writes (`HF_HUB_CACHE`, else `HF_HOME/hub`, else
 * `~/.cache/huggingface/hub`): `models--org--name/refs/main` holds a commit hash and
 * `models--org--name/snapshots/<commit>/` holds the files (usually links into `blobs/`).
 * A snapshot is usable when it has config.json, tokenizer.json and complete safetensors weights.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseModelConfig } from '../engine/config';

export interface CachedModel {
  /** Hugging Face id, e.g. "gpt2" or "Qwen/Qwen2.5-0.5B". */
  id: string;
  /** The snapshot folder to load (config.json, tokenizer.json, safetensors). */
  dir: string;
  /** Commit hash of the snapshot. */
  revision: string;
  /** The hub cache folder it was found in. */
  cacheDir: string;
  /** `model_type` from config.json, e.g. "gpt2", "bert", "qwen2". */
  modelType: string;
  /** Bytes of safetensors weights on disk. */
  weightBytes: number;
  /** Why QKV Lens cannot run it (e.g. an unsupported architecture), or undefined when it can. */
  unsupported?: string;
}

type Env = Record<string, string | undefined>;

function expandHome(p: string, home: string): string {
  return p === '~' || p.startsWith('~/') || p.startsWith('~\\') ? path.join(home, p.slice(1)) : p;
}

/**
 * The hub cache folders to look in, most specific first, as huggingface_hub resolves them:
 * HF_HUB_CACHE (or the older HUGGINGFACE_HUB_CACHE), HF_HOME/hub, XDG_CACHE_HOME/huggingface/hub,
 * ~/.cache/huggingface/hub. The first one is where downloads go.
 */
export function hubCacheDirs(env: Env = process.env, home: string = os.homedir()): string[] {
  const dirs: string[] = [];
  const add = (p: string | undefined) => {
    if (!p || !p.trim()) return;
    const resolved = path.resolve(expandHome(p.trim(), home));
    if (!dirs.includes(resolved)) dirs.push(resolved);
  };
  add(env.HF_HUB_CACHE);
  add(env.HUGGINGFACE_HUB_CACHE);
  if (env.HF_HOME) add(path.join(expandHome(env.HF_HOME.trim(), home), 'hub'));
  if (env.XDG_CACHE_HOME) add(path.join(expandHome(env.XDG_CACHE_HOME.trim(), home), 'huggingface', 'hub'));
  add(path.join(home, '.cache', 'huggingface', 'hub'));
  return dirs;
}

/** A plausible hub model id: "name" or "org/name", letters, digits, "-", "_", ".". */
export function isValidModelId(id: string): boolean {
  return /^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/.test(id) && !id.includes('..') && !/(^|\/)\.|\.$/.test(id);
}

/** "Qwen/Qwen2.5-0.5B" → "models--Qwen--Qwen2.5-0.5B" (huggingface_hub's folder name). */
export function repoFolderName(id: string): string {
  return ['models', ...id.split('/')].join('--');
}

/** "models--Qwen--Qwen2.5-0.5B" → "Qwen/Qwen2.5-0.5B"; undefined for other folders. */
export function modelIdFromFolder(folder: string): string | undefined {
  if (!folder.startsWith('models--')) return undefined;
  const id = folder.slice('models--'.length).split('--').join('/');
  return isValidModelId(id) ? id : undefined;
}

/** The hub id of a snapshot folder (`…/models--org--name/snapshots/<rev>`), or undefined for other folders. */
export function modelIdFromSnapshotDir(dir: string): string | undefined {
  const parts = path.resolve(dir).split(path.sep);
  const n = parts.length;
  if (n < 3 || parts[n - 2] !== 'snapshots') return undefined;
  return modelIdFromFolder(parts[n - 3]);
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Files of the weights a folder names, or undefined when they are incomplete. */
function safetensorsFiles(dir: string): string[] | undefined {
  const single = path.join(dir, 'model.safetensors');
  if (isFile(single)) return [single];
  const indexText = readText(path.join(dir, 'model.safetensors.index.json'));
  if (indexText === undefined) return undefined;
  try {
    const index = JSON.parse(indexText) as { weight_map?: Record<string, unknown> };
    const shards = [...new Set(Object.values(index.weight_map ?? {}))];
    if (!shards.length || !shards.every((s): s is string => typeof s === 'string' && path.basename(s) === s && s.endsWith('.safetensors'))) return undefined;
    const files = shards.map((s) => path.join(dir, s));
    return files.every(isFile) ? files : undefined;
  } catch {
    return undefined;
  }
}

/** Why a folder cannot be used as a model, or undefined when it has everything QKV Lens needs. */
export function missingModelFiles(dir: string): string | undefined {
  if (!isFile(path.join(dir, 'config.json'))) return 'config.json';
  if (!isFile(path.join(dir, 'tokenizer.json'))) return 'tokenizer.json';
  if (!safetensorsFiles(dir)) return 'model.safetensors';
  return undefined;
}

function describe(dir: string): { modelType: string; weightBytes: number; unsupported?: string } | undefined {
  if (missingModelFiles(dir)) return undefined;
  let config: { model_type?: unknown };
  try {
    config = JSON.parse(readText(path.join(dir, 'config.json')) ?? '') as { model_type?: unknown };
  } catch {
    return undefined;
  }
  const modelType = typeof config.model_type === 'string' ? config.model_type : '';
  let unsupported: string | undefined;
  try {
    parseModelConfig(config);
  } catch (err) {
    unsupported = (err as Error).message;
  }
  const weightBytes = (safetensorsFiles(dir) ?? []).reduce((sum, f) => sum + fs.statSync(f).size, 0);
  return { modelType, weightBytes, ...(unsupported ? { unsupported } : {}) };
}

function subfolders(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

/** The snapshot commit a ref (e.g. "main") points to, or the revision itself when it is a commit hash. */
export function resolveRevision(repoDir: string, revision = 'main'): string | undefined {
  if (/^[0-9a-f]{40}$/.test(revision)) return revision;
  if (revision.includes('..') || path.isAbsolute(revision)) return undefined;
  const ref = readText(path.join(repoDir, 'refs', ...revision.split('/')))?.trim();
  return ref && /^[0-9a-f]{40}$/.test(ref) ? ref : undefined;
}

/** The usable snapshot of one cached repo: the one refs/main points to, else the newest usable one. */
function usableSnapshot(repoDir: string): { revision: string; dir: string; modelType: string; weightBytes: number } | undefined {
  const snapshots = path.join(repoDir, 'snapshots');
  const main = resolveRevision(repoDir, 'main');
  const candidates = subfolders(snapshots)
    .map((rev) => ({ rev, mtime: fs.statSync(path.join(snapshots, rev)).mtimeMs }))
    .sort((a, b) => (a.rev === main ? -1 : b.rev === main ? 1 : b.mtime - a.mtime));
  for (const { rev } of candidates) {
    const dir = path.join(snapshots, rev);
    const info = describe(dir);
    if (info) return { revision: rev, dir, ...info };
  }
  return undefined;
}

/** The cached snapshot folder of a model id, if one is usable (looks in every cache folder). */
export function findCachedModel(id: string, dirs: string[] = hubCacheDirs()): CachedModel | undefined {
  for (const cacheDir of dirs) {
    const snap = usableSnapshot(path.join(cacheDir, repoFolderName(id)));
    if (snap) return { id, cacheDir, ...snap };
  }
  return undefined;
}

/** Every usable model in the caches, sorted by id; a model in several caches is listed once (first cache wins). */
export function listCachedModels(dirs: string[] = hubCacheDirs()): CachedModel[] {
  const found = new Map<string, CachedModel>();
  for (const cacheDir of dirs) {
    for (const folder of subfolders(cacheDir)) {
      const id = modelIdFromFolder(folder);
      if (!id || found.has(id)) continue;
      const snap = usableSnapshot(path.join(cacheDir, folder));
      if (snap) found.set(id, { id, cacheDir, ...snap });
    }
  }
  return [...found.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** A model argument (CLI `--model`): an existing folder, else the id of a usable model in the caches, else the path as given. */
export function resolveModelFolder(arg: string, dirs: string[] = hubCacheDirs()): string {
  const asPath = path.resolve(arg);
  try {
    if (fs.statSync(asPath).isDirectory()) return asPath;
  } catch {
    // not a folder: try the cache
  }
  return (isValidModelId(arg) && findCachedModel(arg, dirs)?.dir) || asPath;
}
