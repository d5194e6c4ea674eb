/**
 * Color for the command line's human output: only when standard output is
 * a terminal, never when `NO_COLOR` is set to anything (https://no-color.org),
 * forced on with `FORCE_COLOR` (non-empty, not `0`) for pagers such as `less -R`.
 */

/** Whether to color what goes to standard output. */
export function useColor(env: NodeJS.ProcessEnv = process.env, isTTY: boolean = process.stdout.isTTY === true): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '' && force !== '0') return true;
  return isTTY && env['TERM'] !== 'dumb';
}

const SGR = { bold: '1', dim: '2', red: '31', yellow: '33', cyan: '36' } as const;

function paint(code: keyof typeof SGR, text: string): string {
  return `\x1b[${SGR[code]}m${text}\x1b[0m`;
}

/**
 * Colors rendered lines: problem severities (error red, warning yellow,
 * info cyan), the `problems:` heading and top-level headings bold, byte
 * offsets (`+0x1f1`) dim. The text itself is unchanged.
 */
export function colorize(lines: readonly string[]): string[] {
  return lines.map((line) => {
    const problem = /^(\s*)(error|warning|info)( .*)$/.exec(line);
    if (problem !== null) {
      const [, indent, severity, rest] = problem as unknown as [string, string, 'error' | 'warning' | 'info', string];
      return `${indent}${paint(severity === 'error' ? 'red' : severity === 'warning' ? 'yellow' : 'cyan', severity)}${rest}`;
    }
    if (/^problems: /.test(line) || (line.length > 0 && !line.startsWith(' ') && !line.startsWith('='))) return paint('bold', line);
    return line.replace(/^(\s+)(\+0x[0-9a-f]+)/, (_m, indent: string, off: string) => `${indent}${paint('dim', off)}`);
  });
}
