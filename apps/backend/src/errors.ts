// One error type for every client mistake, so routes can `throw` and the error handler turns it
// into the documented `{error, message}` body with the right 4xx status.

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, code = 'bad_request'): HttpError => new HttpError(400, code, message);
export const unauthorized = (message: string): HttpError => new HttpError(401, 'unauthorized', message);
export const forbidden = (message: string): HttpError => new HttpError(403, 'forbidden', message);
export const notFound = (message: string): HttpError => new HttpError(404, 'not_found', message);
export const conflict = (message: string): HttpError => new HttpError(409, 'conflict', message);
export const payloadTooLarge = (message: string): HttpError => new HttpError(413, 'payload_too_large', message);
export const unsupportedMediaType = (message: string): HttpError => new HttpError(415, 'unsupported_media_type', message);
export const unavailable = (message: string): HttpError => new HttpError(503, 'unavailable', message);

/** Sent as Retry-After with every 503: a restarting dependency is usually back within seconds. */
export const RETRY_AFTER_SECONDS = 5;

export const databaseUnavailable = (): HttpError => unavailable('the database is unavailable, try again shortly');
