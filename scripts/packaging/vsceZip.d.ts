// Types for the one helper of @vscode/vsce used here (its package ships types for its API only).
declare module '@vscode/vsce/out/zip' {
  /** Every entry whose lower-cased path passes `filter`, keyed by that path. */
  export function readZip(packagePath: string, filter: (name: string) => boolean): Promise<Map<string, Buffer>>;
  /** The extension's package.json from a .vsix, checked as `vsce package` checks it; throws when invalid. */
  export function readVSIXPackage(packagePath: string): Promise<{ manifest: Record<string, unknown> }>;
}
