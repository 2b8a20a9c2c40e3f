// On a failed end-to-end test: a screenshot and the tails of the logs, to see what the workbench showed.
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { screenshot, Workbench } from '../support/workbench';
import { CodeServer, REPO_ROOT } from '../support/codeServer';

const RESULTS = path.join(REPO_ROOT, 'test-results', 'e2e');

function logTail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** On failure: a screenshot and the tails of the logs, to see what the workbench showed. */
export async function reportFailure(ctx: Mocha.Context, page: Page | undefined, cs: CodeServer | undefined, wb: Workbench | undefined): Promise<void> {
  const test = ctx.currentTest;
  if (!test || test.state !== 'failed') return;
  const name = test.fullTitle().replace(/[^\w.-]+/g, '_').slice(0, 100);
  if (page) {
    const png = await screenshot(page, path.join(RESULTS, `FAILED-${name}.png`)).catch(() => undefined);
    if (png) console.log(`  screenshot: ${png}`);
  }
  if (cs) {
    console.log(`  code-server log (${cs.logFile}):\n${logTail(cs.logFile)}`);
    for (const f of cs.extensionHostLogs()) console.log(`  ${f}:\n${logTail(f, 20)}`);
  }
  if (wb) console.log(`  browser console:\n${wb.consoleLog.slice(-30).join('\n')}`);
}

