/**
 * The Python extension's interpreter, when `ms-python.python` is installed: a soft
 * dependency, read through its exported API, never `extensionDependencies`.
 */
import * as vscode from 'vscode';

interface PythonExtensionApi {
  ready?: Promise<void>;
  settings?: {
    getExecutionDetails?(resource?: vscode.Uri): { execCommand: string[] | undefined };
    onDidChangeExecutionDetails?: vscode.Event<vscode.Uri | undefined>;
  };
  environments?: {
    getActiveEnvironmentPath?(resource?: vscode.Uri): { path: string } | undefined;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
}

const PYTHON_EXTENSION = 'ms-python.python';

async function api(): Promise<PythonExtensionApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION);
  if (!extension) {
    return undefined;
  }
  const activated = extension.isActive ? Promise.resolve(extension.exports) : extension.activate();
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => { resolve(undefined); }, 15_000));
  const exports = await Promise.race([activated.then((e) => e, () => undefined), timeout]);
  if (exports?.ready) {
    await Promise.race([exports.ready, timeout]);
  }
  return exports;
}

/** The argv that runs the workspace's selected interpreter, if the Python extension knows one. */
export async function pythonExtensionInterpreter(resource?: vscode.Uri): Promise<string[] | undefined> {
  const python = await api();
  const exec = python?.settings?.getExecutionDetails?.(resource).execCommand;
  if (exec && exec.length > 0 && exec[0]) {
    return exec;
  }
  const active = python?.environments?.getActiveEnvironmentPath?.(resource)?.path;
  return active ? [active] : undefined;
}

/** Calls `listener` when the user picks another interpreter in the Python extension. */
export async function onPythonInterpreterChanged(listener: () => void): Promise<vscode.Disposable | undefined> {
  const python = await api();
  const event = python?.environments?.onDidChangeActiveEnvironmentPath ?? python?.settings?.onDidChangeExecutionDetails;
  return event ? event(() => { listener(); }) : undefined;
}
