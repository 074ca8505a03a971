/** Mistakes on the command line that only the CLI detects: shown as their message, exit code 1. */
import { AppError } from '../errors/app-error.js';

/** An option or argument the user must correct. */
export function cliInputError(message: string): AppError {
  return new AppError('CLI_INPUT', 400, message);
}

/** The `--project` given names no project in this server's database. */
export function noSuchProject(projectId: string): AppError {
  return new AppError('PROJECT_NOT_FOUND', 404, `No project with the ID ${projectId}.`);
}
