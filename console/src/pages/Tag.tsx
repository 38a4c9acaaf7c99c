/**
 * One tag: its file names a page at a time, each beside its thumbnail where an image was uploaded, and
 * the whole list as a text file.
 */
import { useState } from 'preact/hooks';
import { request, type ApiError, type TagData } from '../api.js';
import { Crumbs, ErrorMessage, formatCount, Loading, When } from '../components.js';
import { toApiError, useLoad } from '../hooks.js';

const PAGE_SIZE = 100;
/** The square each thumbnail is fitted into, in CSS pixels (thumbnails have up to 256 px: sharp on HiDPI screens). */
const THUMBNAIL_BOX = 128;

export function Tag({ datasetId, tagName }: { datasetId: string; tagName: string }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const { data, error, loading } = useLoad(() => request<TagData>('tag', { datasetId, name: tagName, after }), [datasetId, tagName, after]);
  const [downloadError, setDownloadError] = useState<ApiError | undefined>();
  const [downloading, setDownloading] = useState(false);
  const tag = data?.dataset.tag;
  const offset = (cursors.length - 1) * PAGE_SIZE;

  // The URL is asked for at the click (it is presigned for 15 minutes) and opened as a download: the
  // bucket answers with `Content-Disposition: attachment; filename="<tag>.txt"`.
  const download = async () => {
    setDownloading(true);
    setDownloadError(undefined);
    try {
      const answer = await request<{ dataset: { tag: { downloadUrl: string } } }>('tagDownload', { datasetId, name: tagName });
      const link = document.createElement('a');
      link.href = answer.dataset.tag.downloadUrl;
      link.download = `${tagName}.txt`;
      link.rel = 'noopener noreferrer';
      document.body.append(link);
      link.click();
      link.remove();
    } catch (caught) {
      setDownloadError(toApiError(caught));
    } finally {
      setDownloading(false);
    }
  };

  return (
    <main>
      <Crumbs dataset={{ id: datasetId, name: data?.dataset.name }} current={`Tag ${tagName}`} />
      <h1>Tag {tagName}</h1>
      <ErrorMessage error={error} />
      {loading && !tag && <Loading what="the tag" />}
      {tag && (
        <>
          <p id="tag-count">
            {formatCount(tag.count)} samples, made by {tag.createdBy}
            {tag.parent ? ` from ${tag.parent}` : ''}, <When at={tag.createdAt} />.
          </p>
          <p class="actions">
            <button type="button" onClick={() => void download()} disabled={downloading}>
              {downloading ? 'Preparing…' : `Download file names (${tagName}.txt)`}
            </button>
          </p>
          <ErrorMessage error={downloadError} />
          <section aria-labelledby="files-heading">
            {/* While the next page loads, the old one is not shown under the new page's numbers. */}
            <h2 id="files-heading">
              File names{' '}
              {loading ? '' : tag.count > 0 ? `${formatCount(offset + 1)}–${formatCount(offset + tag.samples.items.length)} of ${formatCount(tag.count)}` : ''}
            </h2>
            {loading ? <Loading what="file names" /> : <SampleList samples={tag.samples.items} start={offset + 1} />}
            <nav class="pager" aria-label="Pages of file names">
              <button type="button" disabled={cursors.length <= 1 || loading} onClick={() => setCursors(cursors.slice(0, -1))}>
                Previous
              </button>
              <button type="button" disabled={!tag.samples.nextCursor || loading} onClick={() => setCursors([...cursors, tag.samples.nextCursor])}>
                Next
              </button>
            </nav>
          </section>
        </>
      )}
    </main>
  );
}

/**
 * A page of samples. When any has a thumbnail the page is a grid of thumbnails with their names (a
 * sample without an image keeps an empty frame, so the grid stays aligned); otherwise names only.
 * Thumbnails load lazily as they scroll into view; their presigned URLs last an hour, longer than a page
 * is looked at.
 */
function SampleList({ samples, start }: { samples: readonly { fileName: string; thumbnailUrl: string | null }[]; start: number }) {
  const withImages = samples.some((sample) => sample.thumbnailUrl);
  return (
    <ol class={withImages ? 'file-names with-thumbnails' : 'file-names'} start={start}>
      {samples.map(({ fileName, thumbnailUrl }) =>
        withImages ? (
          <li key={fileName}>
            {thumbnailUrl ? (
              <img src={thumbnailUrl} alt={fileName} loading="lazy" width={THUMBNAIL_BOX} height={THUMBNAIL_BOX} />
            ) : (
              <span class="no-thumbnail" aria-hidden="true" />
            )}
            <span class="sample-name">{fileName}</span>
          </li>
        ) : (
          <li key={fileName}>{fileName}</li>
        ),
      )}
    </ol>
  );
}
