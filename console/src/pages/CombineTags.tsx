/** Tag arithmetic: a new tag from two tags of the dataset (union, intersection or difference). */
import { useState } from 'preact/hooks';
import { ApiError, request, type DatasetData } from '../api.js';
import { Crumbs, ErrorMessage, Loading } from '../components.js';
import { toApiError, useLoad } from '../hooks.js';
import { href, navigate } from '../router.js';

const OPERATIONS = [
  { value: 'UNION', label: 'union (in either)' },
  { value: 'INTERSECTION', label: 'intersection (in both)' },
  { value: 'DIFFERENCE', label: 'difference (in the first, not the second)' },
] as const;

export function CombineTags({ datasetId }: { datasetId: string }) {
  const { data, error: loadError, loading } = useLoad(() => request<DatasetData>('dataset', { id: datasetId }), [datasetId]);
  const [left, setLeft] = useState('');
  const [right, setRight] = useState('');
  const [operation, setOperation] = useState<string>('UNION');
  const [name, setName] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const tags = data?.dataset.tags.items ?? [];
  const leftName = left || tags[0]?.name || '';
  const rightName = right || tags[1]?.name || tags[0]?.name || '';

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    if (!name.trim()) {
      setError(new ApiError('Name the new tag.', 'BAD_USER_INPUT', 'name'));
      return;
    }
    setBusy(true);
    try {
      const answer = await request<{ combineTags: { name: string } }>('combineTags', {
        name: name.trim(),
        operation,
        left: { datasetId, tagName: leftName },
        right: { datasetId, tagName: rightName },
      });
      navigate(href.tag(datasetId, answer.combineTags.name));
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  const tagOptions = tags.map((tag) => (
    <option key={tag.name} value={tag.name}>
      {tag.name} ({tag.count})
    </option>
  ));
  return (
    <main class="narrow">
      <Crumbs dataset={{ id: datasetId, name: data?.dataset.name }} current="Combine tags" />
      <h1>Combine tags</h1>
      <ErrorMessage error={loadError} />
      {loading && !data && <Loading what="the tags" />}
      {data && (
        <form onSubmit={(event) => void submit(event)} noValidate>
          <div class="field">
            <label for="left-tag">First tag</label>
            <select id="left-tag" value={leftName} onChange={(event) => setLeft(event.currentTarget.value)}>
              {tagOptions}
            </select>
          </div>
          <fieldset>
            <legend>Operation</legend>
            {OPERATIONS.map((op) => (
              <label key={op.value} class="choice">
                <input type="radio" name="operation" value={op.value} checked={operation === op.value} onChange={() => setOperation(op.value)} /> {op.label}
              </label>
            ))}
          </fieldset>
          <div class="field">
            <label for="right-tag">Second tag</label>
            <select id="right-tag" value={rightName} onChange={(event) => setRight(event.currentTarget.value)}>
              {tagOptions}
            </select>
          </div>
          <div class="field">
            <label for="new-tag">New tag</label>
            <input id="new-tag" value={name} onInput={(event) => setName(event.currentTarget.value)} required maxLength={128} />
          </div>
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create tag'}
          </button>
        </form>
      )}
      <ErrorMessage error={error} />
    </main>
  );
}
