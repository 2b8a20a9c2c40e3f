/** What an export from the webview becomes on disk: PNG data URLs decoded, text as UTF-8. No vscode here, so Node tests run it. */
import type { ExportFormat } from '../shared/protocol';

const PNG_PREFIX = 'data:image/png;base64,';
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export class ExportDataError extends Error {}

export function exportBytes(format: ExportFormat, data: string): Uint8Array {
  if (format !== 'png') return new TextEncoder().encode(data);
  if (!data.startsWith(PNG_PREFIX)) throw new ExportDataError('not a PNG data URL');
  const bytes = Buffer.from(data.slice(PNG_PREFIX.length), 'base64');
  if (bytes.length < PNG_SIGNATURE.length || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) throw new ExportDataError('not a PNG image');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** The file name the webview proposed, with the extension its format needs. */
export function exportFileName(format: ExportFormat, proposed: string): string {
  const base = proposed.replace(/\.[A-Za-z0-9]+$/, '') || 'qkv-lens';
  return `${base}.${format}`;
}
