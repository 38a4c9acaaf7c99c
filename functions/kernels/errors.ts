/** Errors of the fast kernels. */

/** A worker thread failed inside a kernel; the message carries its stack. */
export class KernelThreadError extends Error {
  constructor(detail: string) {
    super(`a kernel worker thread failed: ${detail}`);
    this.name = 'KernelThreadError';
  }
}

/** A kernel option out of its range (a programming error, not user input). */
export class KernelOptionError extends Error {
  constructor(option: string, detail: string) {
    super(`kernel option ${option}: ${detail}`);
    this.name = 'KernelOptionError';
  }
}
