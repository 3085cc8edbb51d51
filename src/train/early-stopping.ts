// EarlyStopping as in YOLOv5 v7.0: stop when fitness has not improved (>=) for `patience` epochs; 0 disables.
export class EarlyStopping {
  bestFitness = 0.0;
  bestEpoch = 0;
  possibleStop = false;
  readonly patience: number;

  constructor(patience = 30) {
    this.patience = patience || Infinity;
  }

  /** Returns true when training should stop. */
  step(epoch: number, fitness: number): boolean {
    if (fitness >= this.bestFitness) {
      this.bestEpoch = epoch;
      this.bestFitness = fitness;
    }
    const delta = epoch - this.bestEpoch;
    this.possibleStop = delta >= this.patience - 1;
    return delta >= this.patience;
  }
}
