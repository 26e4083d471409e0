import { spawn } from 'node:child_process';

/**
 * Runs a command in its own process, passes its stderr through (so a failing run explains itself) and parses the
 * JSON it prints: the whole output, or only its last line when the program may print other things first.
 */
export function runForJson<T>(
  command: string,
  args: string[],
  options: { label: string; env?: NodeJS.ProcessEnv; lastLineOnly?: boolean },
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`${options.label} exited with ${code}: ${err.slice(-2000)}`));
        return;
      }
      try {
        resolve(JSON.parse(options.lastLineOnly ? (out.trim().split('\n').pop() ?? '') : out) as T);
      } catch {
        reject(new Error(`${options.label} printed no JSON: ${out.slice(-2000)}`));
      }
    });
  });
}

/** Runs a TypeScript worker in its own Node process (so its peak RSS is its own) and parses the JSON it prints. */
export function runWorker<T>(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<T> {
  return runForJson<T>(process.execPath, ['--disable-warning=ExperimentalWarning', script, ...args], {
    label: script,
    env,
  });
}
