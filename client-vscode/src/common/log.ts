/** The extension's one output channel: a LogOutputChannel shared with the language client. */
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

export function outputChannel(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('prisma-down', { log: true });
  return channel;
}
