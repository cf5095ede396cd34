/** An attachment as the connector takes it (`POST …/messages`, `attachments[]`). */
export interface ConnectorAttachment {
  url: string;
  mime: string;
  filename?: string;
}

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  ogg: 'audio/ogg',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
};
const MIME = /^[\w.+-]+\/[\w.+-]+$/;
/** The connector accepts at most 10 attachments per message. */
const MAX_ATTACHMENTS = 10;

function extensionOf(name: string | undefined): string | undefined {
  const match = name ? /\.([a-z0-9]{1,5})(?:$|[?#])/i.exec(name) : null;
  return match ? match[1].toLowerCase() : undefined;
}

/**
 * The user's attachments as the connector takes them. Cognigy puts uploads at `input.attachments` or
 * `input.data.attachments` as `{ name, url, type: "image" | "video" | "audio" | "file" | … }`; the MIME type is
 * taken from `mimeType`/`mime` when given, else from the file's extension, else `application/octet-stream`.
 */
export function attachmentsOf(input: { attachments?: unknown; data?: { attachments?: unknown } } | undefined): ConnectorAttachment[] {
  const raw = Array.isArray(input?.attachments)
    ? input?.attachments
    : Array.isArray(input?.data?.attachments)
      ? input?.data?.attachments
      : [];
  const out: ConnectorAttachment[] = [];
  for (const item of raw as unknown[]) {
    if (!item || typeof item !== 'object') continue;
    const { url, name, filename, mimeType, mime } = item as Record<string, unknown>;
    if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) continue;
    const file =
      typeof name === 'string' && name.trim() ? name.trim() : typeof filename === 'string' && filename.trim() ? filename.trim() : undefined;
    const given = [mimeType, mime].find((m): m is string => typeof m === 'string' && MIME.test(m));
    const guessed = MIME_BY_EXTENSION[extensionOf(file) ?? extensionOf(url) ?? ''];
    out.push({ url, mime: given ?? guessed ?? 'application/octet-stream', ...(file ? { filename: file.slice(0, 255) } : {}) });
    if (out.length === MAX_ATTACHMENTS) break;
  }
  return out;
}
