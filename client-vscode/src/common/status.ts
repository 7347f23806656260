/** The status bar item: the server's state and how many migrations have no down.sql. */
import * as vscode from 'vscode';

export const MISSING_RULE = 'missing-down-sql';

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed';

/** The migration.sql files carrying a `missing-down-sql` diagnostic (each counted once). */
export function migrationsWithoutDown(
  all: readonly [vscode.Uri, readonly vscode.Diagnostic[]][] = vscode.languages.getDiagnostics(),
): number {
  const uris = new Set<string>();
  for (const [uri, diagnostics] of all) {
    for (const d of diagnostics) {
      const code = typeof d.code === 'object' ? d.code.value : d.code;
      if (code === MISSING_RULE) {
        uris.add(uri.toString());
      }
    }
  }
  return uris.size;
}

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('prismaDown.status', vscode.StatusBarAlignment.Left, 10);
  private state: ServerState = 'starting';
  private detail = '';
  private readonly subscription: vscode.Disposable;

  constructor() {
    this.item.name = 'prisma-down';
    this.subscription = vscode.languages.onDidChangeDiagnostics(() => { this.render(); });
    this.render();
    this.item.show();
  }

  set(state: ServerState, detail = ''): void {
    this.state = state;
    this.detail = detail;
    this.render();
  }

  private render(): void {
    const missing = this.state === 'running' ? migrationsWithoutDown() : 0;
    const item = this.item;
    item.backgroundColor = undefined;
    switch (this.state) {
      case 'starting':
        item.text = '$(sync~spin) prisma-down';
        item.tooltip = 'prisma-down: starting the language server';
        item.command = 'prismaDown.showOutput';
        break;
      case 'running':
        item.text = missing > 0 ? `$(warning) prisma-down: ${String(missing)} without down.sql` : '$(check) prisma-down';
        item.tooltip = missing > 0
          ? `${String(missing)} migration${missing === 1 ? '' : 's'} without down.sql: click to generate them all`
          : 'prisma-down: every migration has a down.sql';
        item.command = 'prismaDown.generateAllMissing';
        break;
      case 'stopped':
        item.text = '$(circle-slash) prisma-down';
        item.tooltip = 'prisma-down: the language server is stopped. Click to restart it.';
        item.command = 'prismaDown.restart';
        break;
      case 'failed':
        item.text = '$(error) prisma-down';
        item.tooltip = `prisma-down: ${this.detail || 'the language server could not start'}. Click for the output.`;
        item.command = 'prismaDown.showOutput';
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
