// The client half of the portoser language server: starts `portoser lsp` (stdio) for `.pbk`
// files and registry.yml / service.yml, and restarts it when `portoser.path` changes.
import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';
import { serverCommand } from './server';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('portoser');
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand('portoser.restartServer', () => restart()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('portoser.path') || e.affectsConfiguration('portoser.lsp.enable')) {
        void restart();
      }
    })
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration('portoser');
  if (!config.get<boolean>('lsp.enable', true)) {
    output?.appendLine('portoser.lsp.enable is false: the language server is not started');
    return;
  }
  const cmd = serverCommand(config.get<string>('path'), vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
  const serverOptions: ServerOptions = {
    command: cmd.command,
    args: cmd.args,
    transport: TransportKind.stdio,
    options: { cwd: cmd.cwd },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'portoser-pbk' },
      { scheme: 'untitled', language: 'portoser-pbk' },
      // Registry problems are reported on the YAML files too.
      { scheme: 'file', pattern: '**/registry.yml' },
      { scheme: 'file', pattern: '**/service.yml' },
    ],
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.pbk,registry.yml,service.yml}'),
    },
    outputChannel: output,
  };
  client = new LanguageClient('portoser', 'portoser language server', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    client = undefined;
    void vscode.window.showErrorMessage(
      `portoser: cannot start the language server with \`${cmd.command} lsp\` (${message}). ` +
        'Set `portoser.path` to the portoser executable.'
    );
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    await running.stop();
  }
}

async function restart(): Promise<void> {
  await stop();
  await start();
}
