/**
 * Line-by-line reading of uploaded JSON-lines files straight from their S3 stream, so that a large
 * `metadata.jsonl` or `predictions.jsonl` is never held whole (neither its bytes nor its text).
 */

/**
 * Calls `onLine` with every non-blank line of a UTF-8 byte stream and its 1-based number, with the
 * conventions of the in-memory parsers: LF or CRLF line ends, a byte-order mark skipped, blank lines
 * skipped but counted.
 */
export async function forEachLine(chunks: AsyncIterable<Uint8Array>, onLine: (text: string, line: number) => void): Promise<void> {
  // The decoder drops a leading byte-order mark and keeps a character split across chunks for the next one.
  const decoder = new TextDecoder('utf-8');
  let line = 0;
  const emit = (text: string) => {
    line++;
    const content = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (content.trim().length > 0) onLine(content, line);
  };
  let carry = '';
  for await (const chunk of chunks) {
    const text = carry + decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      emit(text.slice(start, nl));
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  const rest = carry + decoder.decode();
  if (rest.length > 0) emit(rest);
}
