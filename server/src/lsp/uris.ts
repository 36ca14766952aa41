/**
 * File URIs and workspace paths. The analysis indexes file system paths; the protocol
 * speaks URIs. Clients encode URIs in their own way (VS Code escapes `:` in drive letters
 * differently from Node), so the URI a client used for a file is remembered and reused
 * when the server talks about that file.
 */
import * as path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';

export class UriMap {
  private readonly clientUris = new Map<string, string>();
  /** URIs made for paths no client named: every publication asks again for each witness step's file. */
  private readonly madeUris = new Map<string, string>();

  /** The file system path of a `file:` URI, or undefined for any other scheme, a malformed URI, or a client that sent no string. */
  toPath(uri: string): string | undefined {
    if (typeof uri !== 'string' || !uri.startsWith('file:')) return undefined;
    try {
      const p = path.normalize(fileURLToPath(uri));
      this.clientUris.set(p, uri);
      return p;
    } catch {
      return undefined;
    }
  }

  toUri(p: string): string {
    const known = this.clientUris.get(p) ?? this.madeUris.get(p);
    if (known !== undefined) return known;
    const made = pathToFileURL(p).toString();
    this.madeUris.set(p, made);
    return made;
  }
}
