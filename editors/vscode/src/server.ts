// How the language server is started: kept apart from `vscode` so it is testable with plain node.
import * as os from 'os';
import * as path from 'path';

export interface ServerCommand {
  command: string;
  args: string[];
  cwd: string | undefined;
}

/** The command that runs the server: `portoser.path` (default `portoser`) with `lsp`. */
export function serverCommand(setting: string | undefined, workspace: string | undefined): ServerCommand {
  return { command: resolvePath(setting, workspace), args: ['lsp'], cwd: workspace };
}

/**
 * A blank setting means the default, `portoser` looked up on PATH; so is any bare name. `~` is
 * the home directory; a relative path (`./target/debug/portoser`) is taken from the workspace.
 */
export function resolvePath(setting: string | undefined, workspace: string | undefined): string {
  const value = (setting ?? '').trim();
  if (value === '') {
    return 'portoser';
  }
  if (value === '~' || value.startsWith('~/')) {
    return path.join(os.homedir(), value.slice(1));
  }
  const bare = !value.includes('/') && !value.includes('\\');
  if (bare || path.isAbsolute(value) || workspace === undefined) {
    return value;
  }
  return path.resolve(workspace, value);
}
