/** The real file-system and process effects behind discovery (Node only, no `vscode`). */
import { execFile } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import type { Effects } from './discovery';

export const nodeEffects: Effects = {
  async isExecutable(file: string): Promise<boolean> {
    try {
      const stat = await fs.stat(file);
      if (!stat.isFile()) {
        return false;
      }
      if (process.platform !== 'win32') {
        await fs.access(file, constants.X_OK);
      }
      return true;
    } catch {
      return false;
    }
  },
  async isFile(file: string): Promise<boolean> {
    try {
      return (await fs.stat(file)).isFile();
    } catch {
      return false;
    }
  },
  run(command: string, args: string[], timeoutMs: number) {
    return new Promise((resolve) => {
      execFile(command, args, { timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr: stderr || (error ? error.message : '') });
      });
    });
  },
};
