/** The one error type of model downloads; `kind` says what went wrong, for the UI to pick its message. */
export type DownloadErrorKind = 'not-found' | 'auth' | 'network' | 'offline' | 'proxy' | 'tls' | 'checksum' | 'cancelled' | 'unsupported' | 'disk' | 'invalid';

export class DownloadError extends Error {
  /** `host`: for 'offline', the host (or proxy) that could not be reached. */
  constructor(message: string, readonly kind: DownloadErrorKind, readonly host?: string) {
    super(message);
    this.name = 'DownloadError';
  }
}
