/**
 * A stand-in for the `vscode` module, enough to load dist/extension.js in plain Node, call activate(),
 * run Show Attention on a fake editor and watch what it does: the messages it shows, the panels it opens
 * and what they post, what it logs. Anything not modelled here is a permissive no-op (callable,
 * constructible, returns disposables), so new uses of the API do not break the harness.
 *
 * Used by bench/activation.ts (activation time) and test/unit/robustnessHost.test.ts.
 */
import Module from 'module';
import * as path from 'path';

type Listener = (value: unknown) => void;

/**
 * Callable, constructible, any property: stands for every API the stub does not model. Calls and `new`
 * give a fresh object (so a status bar item keeps what is assigned to it); writes to it are ignored.
 */
export const anything: unknown = new Proxy(function () {}, {
  get(_t, prop) {
    if (prop === 'then') return undefined; // never a thenable: `await anything` must not hang
    if (prop === Symbol.toPrimitive) return () => '';
    if (prop === 'dispose') return () => undefined;
    return anything;
  },
  set: () => true,
  apply: () => permissive({}),
  construct: () => permissive({}),
});

/** An object whose own members are `members`, and whose other members are `anything`. */
function permissive<T extends object>(members: T): T {
  return new Proxy(members, {
    get(target, prop) {
      if (prop in target) return (target as Record<string | symbol, unknown>)[prop];
      if (prop === 'then' || prop === Symbol.iterator) return undefined;
      return anything;
    },
  });
}

export class Position {
  constructor(readonly line: number, readonly character: number) {}
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: Position | number, b: Position | number, c?: number, d?: number) {
    this.start = typeof a === 'number' ? new Position(a, b as number) : a;
    this.end = typeof a === 'number' ? new Position(c as number, d as number) : (b as Position);
  }
  get isEmpty(): boolean {
    return this.start.line === this.end.line && this.start.character === this.end.character;
  }
}

export class Selection extends Range {
  get active(): Position {
    return this.end;
  }
  get anchor(): Position {
    return this.start;
  }
}

export class Uri {
  private constructor(readonly scheme: string, readonly path: string) {}
  get fsPath(): string {
    return this.scheme === 'file' ? this.path : '';
  }
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  static parse(s: string): Uri {
    const m = /^([a-z-]+):\/\/(.*)$/.exec(s);
    return m ? new Uri(m[1], m[2]) : new Uri('file', s);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, path.posix.join(base.path, ...parts));
  }
  with(change: { path?: string }): Uri {
    return new Uri(this.scheme, change.path ?? this.path);
  }
  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
}

/** A text document over a string; lines end at \n (a \r before it stays in the line's text, as in CRLF files). */
export class FakeDocument {
  version = 1;
  constructor(readonly uri: Uri, private text: string) {}
  get lineCount(): number {
    return this.text.split('\n').length;
  }
  getText(range?: Range): string {
    if (!range) return this.text;
    return this.text.slice(this.offsetAt(range.start), this.offsetAt(range.end));
  }
  offsetAt(p: Position): number {
    const lines = this.text.split('\n');
    let offset = 0;
    for (let i = 0; i < Math.min(p.line, lines.length - 1); i++) offset += lines[i].length + 1;
    return Math.min(offset + p.character, this.text.length);
  }
  positionAt(offset: number): Position {
    const before = this.text.slice(0, Math.max(0, Math.min(offset, this.text.length))).split('\n');
    return new Position(before.length - 1, before[before.length - 1].length);
  }
  lineAt(lineOrPosition: number | Position): { text: string; range: Range } {
    const line = typeof lineOrPosition === 'number' ? lineOrPosition : lineOrPosition.line;
    const text = this.text.split('\n')[line] ?? '';
    return { text, range: new Range(line, 0, line, text.replace(/\r$/, '').length) };
  }
  edit(text: string): void {
    this.text = text;
    this.version++;
  }
}

export interface FakePanel {
  posted: unknown[];
  html: string;
  disposed: boolean;
  /** Sends a message as if the webview had posted it. */
  receive(message: unknown): void;
  /** Closes the panel as the user would. */
  close(): void;
}

export interface Shown {
  level: 'info' | 'warning' | 'error';
  message: string;
}

export interface VscodeStub {
  module: Record<string, unknown>;
  shown: Shown[];
  panels: FakePanel[];
  log: string[];
  commands: Map<string, (...args: unknown[]) => unknown>;
  settings: Record<string, unknown>;
  /** The editor Show Attention reads; null for no editor. */
  setEditor(document: FakeDocument | null, selection?: Selection): void;
  /** Makes the notification's Cancel button fire for the current run. */
  cancelProgress(): void;
  extensionContext(root: string): Record<string, unknown>;
}

function format(message: string, args: unknown[]): string {
  return message.replace(/\{(\d+)\}/g, (m, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : m));
}

export function createVscodeStub(): VscodeStub {
  const shown: Shown[] = [];
  const panels: FakePanel[] = [];
  const log: string[] = [];
  const commands = new Map<string, (...args: unknown[]) => unknown>();
  const settings: Record<string, unknown> = {};
  let editor: Record<string, unknown> | undefined;
  const cancelListeners: Listener[] = [];
  const documentListeners: Listener[] = [];

  const event = (listeners: Listener[]) => (listener: Listener) => {
    listeners.push(listener);
    return { dispose: () => listeners.splice(listeners.indexOf(listener) >>> 0, 1) };
  };
  const message = (level: Shown['level']) => (text: string) => {
    shown.push({ level, message: text });
    return Promise.resolve(undefined);
  };
  const channelLine = (level: string) => (line: string) => log.push(`${level} ${line}`);

  const createWebviewPanel = () => {
    const receiveListeners: Listener[] = [];
    const disposeListeners: Listener[] = [];
    const fake: FakePanel = {
      posted: [],
      html: '',
      disposed: false,
      receive: (m) => receiveListeners.forEach((l) => l(m)),
      close: () => {
        if (fake.disposed) return;
        fake.disposed = true;
        disposeListeners.forEach((l) => l(undefined));
      },
    };
    panels.push(fake);
    const webview = permissive({
      options: {},
      cspSource: 'https://webview.test',
      get html() {
        return fake.html;
      },
      set html(v: string) {
        fake.html = v;
      },
      asWebviewUri: (u: Uri) => u,
      postMessage: (m: unknown) => {
        if (!fake.disposed) fake.posted.push(m);
        return Promise.resolve(!fake.disposed);
      },
      onDidReceiveMessage: event(receiveListeners),
    });
    return permissive({ webview, visible: true, active: true, viewColumn: 2, onDidDispose: event(disposeListeners), reveal: () => undefined, dispose: () => fake.close() });
  };

  const window = permissive({
    get activeTextEditor() {
      return editor;
    },
    get visibleTextEditors() {
      return editor ? [editor] : [];
    },
    showInformationMessage: message('info'),
    showWarningMessage: message('warning'),
    showErrorMessage: message('error'),
    createOutputChannel: () => permissive({ info: channelLine('info'), warn: channelLine('warn'), error: channelLine('error'), debug: channelLine('debug'), trace: channelLine('trace'), appendLine: channelLine('line') }),
    createWebviewPanel,
    withProgress: (_options: unknown, task: (progress: unknown, token: unknown) => Promise<unknown>) =>
      task({ report: () => undefined }, permissive({ isCancellationRequested: false, onCancellationRequested: event(cancelListeners) })),
  });

  const workspace = permissive({
    isTrusted: true,
    workspaceFolders: undefined,
    textDocuments: [],
    getConfiguration: (section?: string) =>
      permissive({
        get: <T>(key: string, fallback?: T) => {
          const full = section ? `${section}.${key}` : key;
          return (full in settings ? settings[full] : fallback) as T;
        },
        has: (key: string) => (section ? `${section}.${key}` : key) in settings,
        update: (key: string, value: unknown) => {
          settings[section ? `${section}.${key}` : key] = value;
          return Promise.resolve();
        },
      }),
    onDidChangeTextDocument: event(documentListeners),
  });

  const vscodeModule: Record<string, unknown> = {
    Position,
    Range,
    Selection,
    Uri,
    window,
    workspace,
    commands: permissive({
      registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => {
        commands.set(id, handler);
        return { dispose: () => commands.delete(id) };
      },
      executeCommand: (id: string, ...args: unknown[]) => Promise.resolve(commands.get(id)?.(...args)),
    }),
    env: permissive({ language: 'en' }),
    l10n: permissive({ t: (m: string | { message: string; args?: unknown[] }, ...args: unknown[]) => (typeof m === 'string' ? format(m, args) : format(m.message, m.args ?? [])) }),
    ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    TextEditorRevealType: { Default: 0, InCenter: 1, InCenterIfOutsideViewport: 2, AtTop: 3 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    QuickPickItemKind: { Separator: -1, Default: 0 },
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  };
  // Bundles read the module's own keys (esbuild's __toESM), so everything else they may touch is listed.
  for (const name of ['ThemeColor', 'ThemeIcon', 'MarkdownString', 'Hover', 'EventEmitter', 'Disposable', 'CancellationTokenSource', 'languages', 'extensions', 'debug', 'tasks', 'authentication', 'TreeItem', 'CodeLens', 'Location', 'DecorationRangeBehavior', 'OverviewRulerLane', 'ColorThemeKind', 'TextEditorSelectionChangeKind', 'EndOfLine', 'FileType', 'WorkspaceEdit', 'TabInputText', 'TabInputWebview']) {
    if (!(name in vscodeModule)) vscodeModule[name] = anything;
  }

  return {
    module: new Proxy(vscodeModule, {
      get: (target, prop) => (prop in target ? target[prop as string] : prop === 'then' || prop === '__esModule' ? undefined : anything),
    }),
    shown,
    panels,
    log,
    commands,
    settings,
    setEditor(document, selection = new Selection(new Position(0, 0), new Position(0, 0))) {
      editor = document ? permissive({ document, selection, selections: [selection], revealRange: () => undefined, setDecorations: () => undefined }) : undefined;
    },
    cancelProgress() {
      cancelListeners.splice(0).forEach((l) => l(undefined));
    },
    extensionContext(root: string) {
      const state = new Map<string, unknown>();
      const memento = permissive({ get: (k: string, d?: unknown) => (state.has(k) ? state.get(k) : d), update: (k: string, v: unknown) => (state.set(k, v), Promise.resolve()), keys: () => [...state.keys()] });
      return permissive({
        subscriptions: [] as Array<{ dispose(): unknown }>,
        extensionPath: root,
        extensionUri: Uri.file(root),
        extension: permissive({ id: 'qkv-lens.qkv-lens', extensionPath: root }),
        workspaceState: memento,
        globalState: memento,
        globalStorageUri: Uri.file(path.join(root, '.stub-storage')),
        asAbsolutePath: (p: string) => path.join(root, p),
      });
    },
  };
}

type Resolver = (request: string, parent: unknown, isMain: boolean, options: unknown) => string;

/** Makes require('vscode') return `stub.module` from now on; returns a function that undoes it. */
export function installVscodeStub(stub: VscodeStub): () => void {
  const mod = Module as unknown as { _resolveFilename: Resolver; _cache: Record<string, unknown> };
  const original = mod._resolveFilename;
  const id = '\u0000vscode-stub';
  mod._cache[id] = { id, filename: id, loaded: true, exports: stub.module };
  mod._resolveFilename = function (request, parent, isMain, options) {
    if (request === 'vscode') return id;
    return original.call(this, request, parent, isMain, options);
  };
  return () => {
    mod._resolveFilename = original;
    delete mod._cache[id];
  };
}
