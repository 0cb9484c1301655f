/** Thrown through a phase when the operator (or a failing peer worker) stops it: not an error of its own. */
export class StopRequested extends Error {
  constructor() {
    super('stop requested');
  }
}
