// An error that ends the command with its own exit status (130 for a run stopped by Ctrl-C, as shells report it).
export class ExitError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
