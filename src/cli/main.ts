// Command-line entry: parses flags like YOLOv5's scripts and reports errors as one clear line with exit code 1
// (or the code an ExitError carries). Each command is defined in its own file, which imports its implementation
// only when the command runs, so `--help` and `--version` load neither libtorch nor the image libraries.
import { Command } from 'commander';
import { packageVersion } from './version.ts';
import { classifyCommand } from './classify.ts';
import { cocoevalCommand } from './cocoeval.ts';
import { compareCommand } from './compare.ts';
import { convertCommand } from './convert.ts';
import { dataCommand } from './data.ts';
import { infoCommand } from './info.ts';
import { modulesCommand } from './modules-command.ts';
import { demoCommand } from './demo.ts';
import { detectCommand } from './detect.ts';
import { ExitError } from './exit-error.ts';
import { exportCommand } from './export.ts';
import { heatmapCommand } from './heatmap.ts';
import { addPluginSupport } from './plugins.ts';
import { plotCommand } from './plot.ts';
import { trainCommand } from './train.ts';
import { speedCommand } from './speed.ts';
import { segmentCommand } from './segment.ts';
import { segmentTrainCommand } from './segment-train.ts';
import { valCommand } from './val.ts';

export function buildProgram(print: (s: string) => void): Command {
  const program = new Command('tsyolo').description('YOLOv5 object detection in TypeScript (libtorch engine)').version(packageVersion()).exitOverride();
  // commander's own errors (unknown option, missing argument) get the prefix every other error has: `tsyolo: error: …`.
  program.configureOutput({ outputError: (message, write) => write(`tsyolo: ${message}`) });
  // Subcommands made by program.command() inherit exitOverride and the output settings; each file fills its own in.
  infoCommand(program.command('info'), print);
  compareCommand(program.command('compare'), print);
  modulesCommand(program.command('modules'), print);
  dataCommand(program.command('data'), print);
  demoCommand(program.command('demo'), print);
  trainCommand(program.command('train'), print);
  valCommand(program.command('val'), print);
  classifyCommand(program.command('classify'), print);
  cocoevalCommand(program.command('cocoeval'), print);
  detectCommand(program.command('detect'), print);
  exportCommand(program.command('export'), print);
  convertCommand(program.command('convert'), print);
  heatmapCommand(program.command('heatmap'), print);
  plotCommand(program.command('plot'), print);
  speedCommand(program.command('speed'), print);
  segmentTrainCommand(segmentCommand(program.command('segment'), print), print);
  addPluginSupport(program); // --plugin on the commands that build or load a model
  return program;
}

export async function main(argv: string[], print: (s: string) => void = (s) => console.log(s)): Promise<number> {
  const program = buildProgram(print);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    const err = e as Error & { code?: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    if (err.code?.startsWith('commander.')) return err.exitCode ?? 1; // commander already printed the message
    console.error(`tsyolo: error: ${err.message}`);
    return e instanceof ExitError ? e.exitCode : 1;
  }
}
