// One code-server + headless Chromium session for a mocha `describe`: a temp workspace with the given
// files, code-server with the extension (packaged or under development), the workbench open in a page;
// a failure report after each failed test; everything stopped and removed at the end (QKV_E2E_KEEP=1 keeps
// the temp folder). Call it in the describe's body; read the session in the tests.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openWorkbench, Workbench, WorkbenchOptions } from '../support/workbench';
import { CodeServer, CodeServerOptions, REPO_ROOT } from '../support/codeServer';
import { startCodeServer } from '../support/codeServer';
import { reportFailure } from './failureReport';

export const RESULTS = path.join(REPO_ROOT, 'test-results', 'e2e');
/** The packaged extension `npm run package` writes. */
export const VSIX = path.join(REPO_ROOT, 'qkv-lens.vsix');
export const EXTENSION_ID = 'qkv-lens.qkv-lens';

export interface Session {
  tmp: string;
  workspace: string;
  cs: CodeServer;
  page: Page;
  wb: Workbench;
}

export interface SessionOptions {
  /** Temp folder prefix, e.g. 'qkv-e2e-show-'. */
  prefix: string;
  /** Files of the workspace: relative path → content. */
  files: Record<string, string>;
  /**
   * What code-server runs, given the temp folder (to write a probe extension there): default the packaged
   * QKV Lens (VSIX, which must exist).
   */
  server?: (tmp: string) => Omit<CodeServerOptions, 'workspaceFolder'>;
  /** Options for the page; `open: false` leaves opening the page to the test (see integration.e2e.ts). */
  workbench?: WorkbenchOptions & { open?: boolean };
}

/** Registers before/afterEach/after hooks; the returned function gives the session inside tests. */
export function useSession(opts: SessionOptions): () => Session {
  let tmp = '';
  let cs: CodeServer | undefined;
  let browser: Browser | undefined;
  let wb: Workbench | undefined;
  let workspace = '';

  before(async function () {
    const server = opts.server ?? (() => ({ vsixPath: VSIX }));
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), opts.prefix));
    workspace = path.join(tmp, 'workspace');
    for (const [rel, content] of Object.entries(opts.files)) {
      fs.mkdirSync(path.dirname(path.join(workspace, rel)), { recursive: true });
      fs.writeFileSync(path.join(workspace, rel), content);
    }
    fs.mkdirSync(workspace, { recursive: true });
    fs.mkdirSync(RESULTS, { recursive: true });
    const serverOpts = server(tmp);
    if (serverOpts.vsixPath && !fs.existsSync(serverOpts.vsixPath)) throw new Error(`${serverOpts.vsixPath} is missing: run \`npm run package\` first`);
    cs = await startCodeServer({ workspaceFolder: workspace, theme: opts.workbench?.theme, ...serverOpts });
    browser = await launchBrowser();
    if (opts.workbench?.open === false) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const consoleLog: string[] = [];
      page.on('console', (m) => consoleLog.push(`[${m.type()}] ${m.text()}`));
      wb = { context, page, consoleLog };
    } else {
      wb = await openWorkbench(browser, cs.url, opts.workbench);
    }
  });

  afterEach(async function () {
    await reportFailure(this, wb?.page, cs, wb);
  });

  after(async function () {
    await browser?.close();
    await cs?.stop();
    if (tmp && process.env.QKV_E2E_KEEP !== '1') fs.rmSync(tmp, { recursive: true, force: true });
  });

  return () => {
    if (!cs || !wb) throw new Error('the e2e session did not start (see the before hook\'s error)');
    return { tmp, workspace, cs, page: wb.page, wb };
  };
}
