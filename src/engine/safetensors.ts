/**
 * Reading and writing the safetensors format (https://huggingface.co/docs/safetensors).
 *
 * The reader treats every file as hostile: the header length, the JSON, every dtype, shape and offset
 * range is checked before a byte of tensor data is touched, and each failure says what is wrong.
 */
import { float16Bits } from '../shared/float16';

/** The dtypes read as weights (upcast to float32). */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';
/** Every dtype a valid file may hold; non-float tensors (e.g. BERT's I64 position_ids buffer) are skipped, not read. */
export type StoredDtype = SafetensorsDtype | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL' | 'F8_E4M3' | 'F8_E5M2';

export interface TensorEntry {
  dtype: StoredDtype;
  shape: number[];
  /** Byte range inside the data section (after the header). */
  begin: number;
  end: number;
}

export interface SafetensorsIndex {
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
  /** Byte offset of the data section inside the file. */
  dataStart: number;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

const BYTES_PER: Record<StoredDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1 };
/** Headers larger than this are refused: real checkpoints stay far below it. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

function isDtype(value: unknown): value is StoredDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(BYTES_PER, value);
}

export function isFloatDtype(dtype: StoredDtype): dtype is SafetensorsDtype {
  return dtype === 'F32' || dtype === 'F16' || dtype === 'BF16';
}

/** Parses and validates the header of a safetensors file given its first bytes and its total size. */
export function parseSafetensorsHeader(head: Uint8Array, fileSize: number): SafetensorsIndex {
  if (fileSize < 8 || head.length < 8) {
    throw new SafetensorsError(`file is too short to be safetensors (${fileSize} bytes)`);
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  if (high !== 0 || low > MAX_HEADER_BYTES) {
    throw new SafetensorsError('header length is implausibly large; the file is corrupt or not safetensors');
  }
  const headerLength = low;
  const dataStart = 8 + headerLength;
  if (dataStart > fileSize) {
    throw new SafetensorsError(`header length ${headerLength} runs past the end of the file (${fileSize} bytes); the file is truncated`);
  }
  if (head.length < dataStart) {
    throw new SafetensorsError('header bytes missing from the buffer');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(8, dataStart)));
  } catch (err) {
    throw new SafetensorsError(`header is not valid UTF-8 JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SafetensorsError('header is not a JSON object');
  }
  const dataSize = fileSize - dataStart;
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  const ranges: Array<[number, number, string]> = [];
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new SafetensorsError('__metadata__ must be an object of strings');
      }
      metadata = {};
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(`__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null) throw new SafetensorsError(`tensor "${name}": entry is not an object`);
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDtype(entry.dtype)) {
      throw new SafetensorsError(`tensor "${name}": unknown dtype ${JSON.stringify(entry.dtype)}`);
    }
    if (!Array.isArray(entry.shape) || !entry.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(`tensor "${name}": shape must be a list of non-negative integers`);
    }
    const offsets = entry.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new SafetensorsError(`tensor "${name}": data_offsets must be two non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataSize) {
      throw new SafetensorsError(`tensor "${name}": data_offsets [${begin}, ${end}] fall outside the data section (${dataSize} bytes); the file is truncated or corrupt`);
    }
    const shape = entry.shape as number[];
    const count = shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(count) || count * BYTES_PER[entry.dtype] !== end - begin) {
      throw new SafetensorsError(`tensor "${name}": shape [${shape.join(', ')}] of ${entry.dtype} does not match its ${end - begin} bytes`);
    }
    tensors.set(name, { dtype: entry.dtype, shape, begin, end });
    ranges.push([begin, end, name]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) {
      throw new SafetensorsError(`tensors "${ranges[i - 1][2]}" and "${ranges[i][2]}" overlap`);
    }
  }
  return { tensors, metadata, dataStart };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
let halfTable: Float32Array | undefined;

/** Every float16 bit pattern as float32 (256 KiB, built on first use). */
function halfToFloatTable(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

/**
 * Decodes raw little-endian tensor bytes into a fresh float32 array, upcasting F16 and BF16. On
 * little-endian machines this reads through typed views (a memcpy for F32, a table for F16): a per-element
 * DataView loop took seconds for a GPT-2-small checkpoint.
 */
export function decodeToFloat32(bytes: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const width = dtype === 'F32' ? 4 : 2;
  const n = Math.floor(bytes.byteLength / width);
  if (!LITTLE_ENDIAN) return decodeWithDataView(bytes, dtype, n);
  const aligned = bytes.byteOffset % width === 0;
  if (dtype === 'F32') return aligned ? new Float32Array(bytes.buffer, bytes.byteOffset, n).slice() : new Float32Array(bytes.slice(0, n * 4).buffer);
  const src = aligned ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : new Uint16Array(bytes.slice(0, n * 2).buffer);
  if (dtype === 'BF16') {
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = src[i] << 16;
    return new Float32Array(out.buffer);
  }
  const table = halfToFloatTable();
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = table[src[i]];
  return out;
}

function decodeWithDataView(bytes: Uint8Array, dtype: SafetensorsDtype, n: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = dtype === 'F32' ? view.getFloat32(i * 4, true) : dtype === 'BF16' ? new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0] : halfToFloat(view.getUint16(i * 2, true));
  }
  return out;
}

/** Bytes of a file read on demand: each call returns fresh bytes (e.g. read from disk), never a shared buffer. */
export interface SafetensorsSource {
  size: number;
  read(position: number, length: number): Uint8Array;
}

/** The header bytes of a source (the 8-byte length and the JSON), as far as the file has them. */
export function readHeaderBytes(source: SafetensorsSource): Uint8Array {
  if (source.size < 8) return source.read(0, source.size);
  const prefix = source.read(0, 8);
  if (prefix.length < 8) return prefix; // the file shrank since its size was taken: the parser says so
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const length = view.getUint32(0, true);
  if (view.getUint32(4, true) !== 0 || length > MAX_HEADER_BYTES) return prefix; // the parser says why
  return source.read(0, Math.min(8 + length, source.size));
}

/** A parsed safetensors file, in memory or read tensor by tensor from a source. */
export class SafetensorsFile {
  readonly index: SafetensorsIndex;
  private readonly source: SafetensorsSource;
  /** True when reads return fresh bytes that an aligned F32 tensor may be viewed through without a copy. */
  private readonly freshReads: boolean;
  constructor(bytes: Uint8Array | SafetensorsSource) {
    if (bytes instanceof Uint8Array) {
      this.index = parseSafetensorsHeader(bytes, bytes.byteLength);
      this.source = { size: bytes.byteLength, read: (position, length) => bytes.subarray(position, position + length) };
      this.freshReads = false;
    } else {
      this.index = parseSafetensorsHeader(readHeaderBytes(bytes), bytes.size);
      this.source = bytes;
      this.freshReads = true;
    }
  }
  names(): string[] {
    return [...this.index.tensors.keys()];
  }
  has(name: string): boolean {
    return this.index.tensors.has(name);
  }
  shape(name: string): number[] {
    return this.entry(name).shape;
  }
  /** The tensor as a float32 array of its own, whatever its stored dtype. */
  float32(name: string): Float32Array {
    const e = this.entry(name);
    if (!isFloatDtype(e.dtype)) throw new SafetensorsError(`tensor "${name}" has dtype ${e.dtype}; weights must be F32, F16 or BF16`);
    const bytes = this.source.read(this.index.dataStart + e.begin, e.end - e.begin);
    if (bytes.byteLength !== e.end - e.begin) throw new SafetensorsError(`tensor "${name}": the file ended early; it is truncated`);
    if (this.freshReads && e.dtype === 'F32' && LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
      return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    }
    return decodeToFloat32(bytes, e.dtype);
  }
  private entry(name: string): TensorEntry {
    const e = this.index.tensors.get(name);
    if (!e) throw new SafetensorsError(`tensor "${name}" is missing`);
    return e;
  }
}

export interface TensorToWrite {
  shape: number[];
  data: Float32Array;
}

/** Serialises float32 tensors into safetensors bytes (names sorted, 8-byte aligned header). */
export function writeSafetensors(tensors: Record<string, TensorToWrite>, metadata: Record<string, string> = {}): Uint8Array {
  return writeTensors(tensors, metadata, 'F32');
}

/** Like writeSafetensors, but stores every tensor as F16 (half the bytes; readers upcast). */
export function writeSafetensorsF16(tensors: Record<string, TensorToWrite>, metadata: Record<string, string> = {}): Uint8Array {
  return writeTensors(tensors, metadata, 'F16');
}

function writeTensors(tensors: Record<string, TensorToWrite>, metadata: Record<string, string>, dtype: 'F32' | 'F16'): Uint8Array {
  const size = dtype === 'F32' ? 4 : 2;
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new SafetensorsError(`tensor "${name}": shape does not match data length`);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + count * size] };
    offset += count * size;
  }
  let json = JSON.stringify(header);
  while ((8 + new TextEncoder().encode(json).length) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes.length, true);
  view.setUint32(4, 0, true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const d = tensors[name].data;
    if (dtype === 'F32') for (let i = 0; i < d.length; i++) view.setFloat32(pos + i * 4, d[i], true);
    else for (let i = 0; i < d.length; i++) view.setUint16(pos + i * 2, floatToHalfBits(d[i]), true);
    pos += d.length * size;
  }
  return out;
}

/** Nearest IEEE half-precision bits for a number (round to nearest even; overflow becomes ±Infinity). */
export function floatToHalfBits(value: number): number {
  return float16Bits(value);
}
